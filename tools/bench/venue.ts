// The benchmark's event: a seated venue whose sections are ranked from best to worst, plus one
// general-admission ticket type; and the buyers' shared picture of which seats look free.

export interface SectionPlan {
  name: string;
  category: string;
  price: number;
  rows: number;
  seatsPerRow: number;
}

/** Best first: most buyers want the front. */
const SECTION_SHAPES = [
  { name: 'Front', category: 'VIP', price: 15_000, share: 0.1 },
  { name: 'Stalls', category: 'PREMIUM', price: 9_000, share: 0.3 },
  { name: 'Circle', category: 'STANDARD', price: 6_000, share: 0.3 },
  { name: 'Balcony', category: 'ECONOMY', price: 4_000, share: 0.3 },
] as const;

/** Sections adding up to about `seats` (whole rows; the real count is what the seat map says). */
export function planSections(seats: number): SectionPlan[] {
  if (seats <= 0) return [];
  const seatsPerRow = seats >= 4_000 ? 50 : seats >= 400 ? 25 : 10;
  return SECTION_SHAPES.map((shape) => ({
    name: shape.name,
    category: shape.category,
    price: shape.price,
    seatsPerRow,
    rows: Math.min(200, Math.max(1, Math.round((seats * shape.share) / seatsPerRow))),
  }));
}

export function eventBody(title: string, seats: number, generalAdmission: number, now = new Date()) {
  const startsAt = new Date(now.getTime() + 30 * 86_400_000);
  return {
    title,
    description: 'A flash sale created by npm run bench',
    location: 'Benchmark Arena, Main Street 1',
    eventType: 'CONCERT',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
    currency: 'EUR',
    basePrice: 5_000,
    ...(seats > 0
      ? {
          venue: {
            name: 'Main hall',
            sections: planSections(seats).map((section) => ({ ...section })),
          },
        }
      : {}),
    ticketTypes: generalAdmission > 0 ? [{ name: 'Standing', price: 3_000, quantity: generalAdmission }] : [],
  };
}

/** The seat map as `GET /events/{id}/seats` answers it (the fields the buyers use). */
export interface SeatMapAnswer {
  sections: {
    name: string;
    rows: { name: string; seats: { id: string; number: string; status: string }[] }[];
  }[];
  ticketTypes: { id: string; name: string; available: number }[];
}

/**
 * What the crowd believes about the seats: refreshed from the seat map now and then, and
 * corrected by every hold and every 409 in between (a buyer's browser learns the same way).
 */
export class SeatBoard {
  /** sections (best first) → rows (front first) → seat ids in seat order. */
  private readonly layout: string[][][];
  private readonly taken = new Set<string>();
  readonly seatCount: number;

  constructor(map: SeatMapAnswer) {
    this.layout = map.sections.map((section) =>
      section.rows.map((row) =>
        [...row.seats].sort((a, b) => Number(a.number) - Number(b.number)).map((seat) => seat.id),
      ),
    );
    this.seatCount = this.layout.flat(2).length;
    this.refresh(map);
  }

  refresh(map: SeatMapAnswer): void {
    this.taken.clear();
    for (const section of map.sections)
      for (const row of section.rows)
        for (const seat of row.seats) if (seat.status !== 'AVAILABLE') this.taken.add(seat.id);
  }

  markTaken(seatIds: Iterable<string>): void {
    for (const id of seatIds) this.taken.add(id);
  }

  markFree(seatIds: Iterable<string>): void {
    for (const id of seatIds) this.taken.delete(id);
  }

  freeSeats(): number {
    return this.seatCount - this.taken.size;
  }

  /** Free runs of adjacent seats in one row that are at least `quantity` long. */
  private blocksIn(row: string[], quantity: number): string[][] {
    const blocks: string[][] = [];
    let run: string[] = [];
    const flush = () => {
      for (let start = 0; start + quantity <= run.length; start++)
        blocks.push(run.slice(start, start + quantity));
      run = [];
    };
    for (const id of row) {
      if (this.taken.has(id)) flush();
      else run.push(id);
    }
    flush();
    return blocks;
  }

  /**
   * A block of `quantity` adjacent seats the crowd believes free, skewed toward the best
   * sections (weights 8:4:2:1…) and the front rows; undefined when none is left.
   */
  pickBlock(quantity: number, random: () => number = Math.random): string[] | undefined {
    const sections = this.layout.map((rows, index) => ({ rows, weight: 2 ** (this.layout.length - index) }));
    while (sections.length > 0) {
      const total = sections.reduce((sum, section) => sum + section.weight, 0);
      let draw = random() * total;
      let index = 0;
      while (index < sections.length - 1 && draw >= sections[index]!.weight) {
        draw -= sections[index]!.weight;
        index++;
      }
      const rows = sections[index]!.rows;
      // Front rows first: u² piles the draws toward row 0; then every other row in order.
      const first = Math.floor(random() ** 2 * rows.length);
      for (let step = 0; step < rows.length; step++) {
        const blocks = this.blocksIn(rows[(first + step) % rows.length]!, quantity);
        if (blocks.length > 0) return blocks[Math.floor(random() * blocks.length)];
      }
      sections.splice(index, 1);
    }
    return undefined;
  }
}
