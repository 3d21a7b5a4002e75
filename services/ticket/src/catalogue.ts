// What holds, sales and e-tickets read of an event on every request: its ticket types and its
// inventory (currency, sales window, status). An on-sale would otherwise read the same rows
// several times per purchase, so this instance keeps them:
// - ticket types never change once the inventory exists (its fingerprint refuses another set),
//   so they are kept as long as the process runs;
// - what holds and sales read of an inventory (currency, sales window, status) changes only when
//   its event is cancelled, so it is kept for a few seconds and dropped at once by the instance
//   that cancels it. Another instance may answer from a copy a few seconds old, but never sells
//   from it: the cancellation makes every unsold ticket CANCELLED and ends every live hold in its
//   own transaction, and holds and sales decide on those rows. (The door facts a reschedule
//   moves are on the row too; check-in reads them from the row, never from here.)
// Absence is not kept (an inventory may be created the next moment), nor a failed read.
import type { Database } from '@ticketing/platform';
import * as repository from './repository.js';
import type { InventoryRow, TicketTypeRow } from './tables.js';

/** How long another instance may answer from an inventory cancelled meanwhile. */
const INVENTORY_TTL_MS = 2_000;
/** More events than this on one instance: start again rather than grow without bound. */
const MAX_EVENTS = 10_000;

/** What reads an event's tickets with their names and currency needs. */
export interface CatalogueDeps {
  db: Database;
  catalogue: TicketCatalogue;
}

export class TicketCatalogue {
  private readonly types = new Map<string, Promise<TicketTypeRow[]>>();
  private readonly inventories = new Map<string, { row: Promise<InventoryRow | undefined>; until: number }>();

  constructor(private readonly db: Database) {}

  /** The event's ticket types in their listed order (none for an event without inventory). */
  ticketTypes(eventId: string): Promise<TicketTypeRow[]> {
    const known = this.types.get(eventId);
    if (known) return known;
    const loading = repository.findTicketTypes(this.db.orm, eventId).then((types) => {
      // No types yet may mean no inventory yet: ask again next time.
      if (types.length === 0) this.types.delete(eventId);
      return types;
    });
    loading.catch(() => this.types.delete(eventId));
    this.remember(this.types, eventId, loading);
    return loading;
  }

  /** The event's inventory as of at most a few seconds ago; undefined when it has none. */
  inventory(eventId: string): Promise<InventoryRow | undefined> {
    // Real time, not the platform's clock: how old a copy is does not move with a test's clock.
    const now = performance.now();
    const known = this.inventories.get(eventId);
    if (known && known.until > now) return known.row;
    const row = repository.findInventory(this.db.orm, eventId).then((inventory) => {
      if (!inventory) this.inventories.delete(eventId);
      return inventory;
    });
    this.remember(this.inventories, eventId, { row, until: now + INVENTORY_TTL_MS });
    row.catch(() => this.inventories.delete(eventId));
    return row;
  }

  /** The inventory changed here (cancelled): the next reader reads it again. */
  forgetInventory(eventId: string): void {
    this.inventories.delete(eventId);
  }

  private remember<T>(map: Map<string, T>, eventId: string, value: T): void {
    if (map.size >= MAX_EVENTS) map.clear();
    map.set(eventId, value);
  }
}
