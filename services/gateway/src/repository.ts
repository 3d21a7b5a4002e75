// The gateway's SQL, and only SQL. Every function takes a database or a transaction first.
import type { Executor } from '@ticketing/platform';
import { desc, sql } from 'drizzle-orm';
import { type RouteTableRow, routeTables } from './tables.js';

/** Serializes writers of the route table (seeding at start, admin updates) across instances. */
export async function lockRouteTableWriters(tx: Executor): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('ticketing:gateway:route-table'))`);
}

export async function findCurrentRouteTable(db: Executor): Promise<RouteTableRow | undefined> {
  const [row] = await db.select().from(routeTables).orderBy(desc(routeTables.version)).limit(1);
  return row;
}

export async function findCurrentRouteTableVersion(db: Executor): Promise<number> {
  const [row] = await db
    .select({ version: sql<string | null>`max(${routeTables.version})` })
    .from(routeTables);
  return Number(row?.version ?? 0);
}

export async function insertRouteTable(tx: Executor, row: RouteTableRow): Promise<RouteTableRow> {
  const [inserted] = await tx.insert(routeTables).values(row).returning();
  return inserted!;
}
