// Drizzle definitions of the gateway's tables (the DDL is in migrations/).
import { bigint, jsonb, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';
import type { RouteRule, Upstreams } from './schema.js';

export const gatewaySchema = pgSchema('gateway');

export const routeTables = gatewaySchema.table('route_tables', {
  version: bigint('version', { mode: 'number' }).primaryKey(),
  routes: jsonb('routes').$type<RouteRule[]>().notNull(),
  upstreams: jsonb('upstreams').$type<Upstreams>().notNull(),
  origin: text('origin').$type<'defaults' | 'admin'>().notNull(),
  createdBy: text('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export type RouteTableRow = typeof routeTables.$inferSelect;
