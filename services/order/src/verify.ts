// The invariants checker: the data-safety invariants of docs/architecture.md checked with SQL across
// the ticket, order and payment schemas (and every schema's outbox and inbox). It reads other
// services' schemas, which no service does: it is an auditor, run by tests, the benchmark and
// `ticketing verify`, never by a request. A check whose tables are missing (a service not
// installed) is reported as skipped.

/** Anything that runs SQL: a pg Pool or Client. */
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

export interface InvariantCheck {
  name: string;
  description: string;
  status: 'ok' | 'violated' | 'skipped';
  /** How many rows break it, and up to 20 of them. */
  violations: number;
  examples: Record<string, unknown>[];
}

export interface InvariantReport {
  ok: boolean;
  checkedAt: string;
  checks: InvariantCheck[];
}

export interface VerifyOptions {
  /** The ticket service's sweep interval: an ACTIVE hold may outlive its expiry by this much. */
  sweepIntervalMs?: number;
  /** Time the outbox relays and consumers get before an unpublished or unconsumed event counts. */
  settleMs?: number;
}

interface CheckDefinition {
  name: string;
  description: string;
  needs: string[];
  sql: (options: Required<VerifyOptions>) => string;
}

const CHECKS: CheckDefinition[] = [
  {
    name: 'no-ticket-sold-twice',
    description: 'no ticket is SOLD twice: at most one confirmed order and one valid e-ticket per ticket',
    needs: ['orders.orders', 'orders.order_lines', 'tickets.e_tickets'],
    sql: () => `
      SELECT ticket_id, 'confirmed orders' AS what, count(*) AS count
      FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id
      WHERE o.status = 'CONFIRMED'
      GROUP BY ticket_id HAVING count(*) > 1
      UNION ALL
      SELECT ticket_id, 'valid e-tickets', count(*)
      FROM tickets.e_tickets WHERE revoked_at IS NULL
      GROUP BY ticket_id HAVING count(*) > 1`,
  },
  {
    name: 'sold-within-capacity',
    description: 'SOLD tickets of an event never exceed its capacity',
    needs: ['tickets.tickets', 'tickets.inventories'],
    sql: () => `
      SELECT i.event_id, i.ticket_count AS capacity, count(t.id) AS sold
      FROM tickets.inventories i JOIN tickets.tickets t ON t.event_id = i.event_id AND t.status = 'SOLD'
      GROUP BY i.event_id, i.ticket_count
      HAVING count(t.id) > i.ticket_count`,
  },
  {
    name: 'sold-ticket-has-paid-order',
    description: 'every SOLD ticket belongs to exactly one CONFIRMED order whose payment is COMPLETED',
    needs: ['tickets.tickets', 'orders.orders', 'orders.order_lines', 'payments.payments'],
    // An order whose saga (or cancellation) started within the settle time is in flight.
    sql: ({ settleMs }) => `
      SELECT t.id AS ticket_id, t.order_id, o.status AS order_status, o.saga_step, p.status AS payment_status
      FROM tickets.tickets t
      LEFT JOIN orders.orders o ON o.id = t.order_id
      LEFT JOIN orders.order_lines l ON l.order_id = t.order_id AND l.ticket_id = t.id
      LEFT JOIN payments.payments p ON p.order_id = t.order_id
      WHERE t.status = 'SOLD'
        AND (o.id IS NULL OR l.ticket_id IS NULL
             OR (SELECT count(*) FROM orders.order_lines l2 JOIN orders.orders o2 ON o2.id = l2.order_id
                  WHERE l2.ticket_id = t.id AND o2.status = 'CONFIRMED') > 1
             OR (NOT coalesce(o.saga_step <> 'DONE' AND coalesce(o.cancel_requested_at, o.created_at) >= now() - interval '${Math.trunc(settleMs)} milliseconds', false)
                 AND (o.status <> 'CONFIRMED' OR o.saga_step <> 'DONE' OR p.id IS NULL OR p.status <> 'COMPLETED')))`,
  },
  {
    name: 'confirmed-order-is-paid-and-sold',
    description: 'every CONFIRMED order has a COMPLETED payment of its total and its tickets SOLD to it',
    needs: ['tickets.tickets', 'orders.orders', 'orders.order_lines', 'payments.payments'],
    sql: () => `
      SELECT o.id AS order_id, o.total_amount, p.status AS payment_status, p.amount AS paid,
             count(l.ticket_id) FILTER (WHERE t.status IS DISTINCT FROM 'SOLD' OR t.order_id IS DISTINCT FROM o.id) AS unsold_lines
      FROM orders.orders o
      JOIN orders.order_lines l ON l.order_id = o.id
      LEFT JOIN tickets.tickets t ON t.id = l.ticket_id
      LEFT JOIN payments.payments p ON p.order_id = o.id
      WHERE o.status = 'CONFIRMED' AND o.saga_step = 'DONE'
      GROUP BY o.id, o.total_amount, p.status, p.amount
      HAVING p.status IS DISTINCT FROM 'COMPLETED' OR p.amount IS DISTINCT FROM o.total_amount
          OR count(l.ticket_id) FILTER (WHERE t.status IS DISTINCT FROM 'SOLD' OR t.order_id IS DISTINCT FROM o.id) > 0`,
  },
  {
    name: 'completed-payment-has-order',
    description: 'every COMPLETED payment belongs to a CONFIRMED order, or has been refunded',
    needs: ['orders.orders', 'payments.payments'],
    sql: ({ settleMs }) => `
      SELECT p.id AS payment_id, p.order_id, p.amount, o.status AS order_status, o.saga_step
      FROM payments.payments p LEFT JOIN orders.orders o ON o.id = p.order_id
      WHERE p.status = 'COMPLETED' AND p.refunded_amount = 0
        AND (o.id IS NULL OR o.status <> 'CONFIRMED')
        AND NOT coalesce(o.saga_step <> 'DONE' AND coalesce(o.cancel_requested_at, o.created_at) >= now() - interval '${Math.trunc(settleMs)} milliseconds', false)`,
  },
  {
    name: 'no-payment-left-pending',
    description: 'no payment or refund stays PENDING once the relays and workers had time to settle it',
    needs: ['payments.payments', 'payments.refunds'],
    sql: ({ settleMs }) => `
      SELECT 'payment' AS kind, id, created_at FROM payments.payments
      WHERE status = 'PENDING' AND created_at < now() - interval '${Math.trunc(settleMs)} milliseconds'
      UNION ALL
      SELECT 'refund', id, created_at FROM payments.refunds
      WHERE status = 'PENDING' AND created_at < now() - interval '${Math.trunc(settleMs)} milliseconds'`,
  },
  {
    name: 'no-saga-left-unfinished',
    description: 'no order saga stays unfinished once the recovery worker had time to finish it',
    needs: ['orders.orders'],
    sql: ({ settleMs }) => `
      SELECT id AS order_id, status, saga_step, last_error, saga_attempts, updated_at
      FROM orders.orders
      WHERE saga_step <> 'DONE'
        AND coalesce(cancel_requested_at, created_at) < now() - interval '${Math.trunc(settleMs)} milliseconds'`,
  },
  {
    name: 'holds-expire-on-time',
    description: 'no hold outlives its expiry by more than one sweep interval',
    needs: ['tickets.holds'],
    sql: ({ sweepIntervalMs }) => `
      SELECT id AS hold_id, event_id, expires_at
      FROM tickets.holds
      WHERE status = 'ACTIVE' AND expires_at < now() - interval '${Math.trunc(sweepIntervalMs)} milliseconds'`,
  },
];

async function tableExists(db: Queryable, qualified: string): Promise<boolean> {
  const { rows } = await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    qualified,
  ]);
  return rows[0]?.found !== null && rows[0]?.found !== undefined;
}

async function schemasWith(db: Queryable, table: 'outbox' | 'inbox'): Promise<string[]> {
  const { rows } = await db.query<{ schema: string }>(
    `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = $1 ORDER BY 1`,
    [table],
  );
  return rows.map((row) => row.schema).filter((schema) => /^[a-z_][a-z0-9_]*$/.test(schema));
}

/** Every outbox event is published; every consumer processed each event of its topics once. */
async function messagingChecks(db: Queryable, settleMs: number): Promise<InvariantCheck[]> {
  const outboxes = await schemasWith(db, 'outbox');
  const inboxes = await schemasWith(db, 'inbox');
  const unpublished: Record<string, unknown>[] = [];
  for (const schema of outboxes) {
    const { rows } = await db.query(
      `SELECT '${schema}' AS schema, id, topic, created_at, attempts, last_error, dead_at
       FROM ${schema}.outbox
       WHERE published_at IS NULL AND (dead_at IS NOT NULL OR created_at < now() - $1::int * interval '1 millisecond')`,
      [Math.trunc(settleMs)],
    );
    unpublished.push(...rows);
  }
  const unconsumed: Record<string, unknown>[] = [];
  if (outboxes.length > 0) {
    const allEvents = outboxes
      .map((schema) => `SELECT id, topic, published_at FROM ${schema}.outbox WHERE published_at IS NOT NULL`)
      .join(' UNION ALL ');
    for (const schema of inboxes) {
      // A consumer is known by the topics it has processed since its first event; each event of
      // those topics published after that must be in its inbox (the key makes "once" structural).
      const { rows } = await db.query(
        `
        WITH consumers AS (
          SELECT consumer, topic, min(processed_at) AS since FROM ${schema}.inbox GROUP BY consumer, topic
        ), events AS (${allEvents})
        SELECT '${schema}' AS schema, c.consumer, e.topic, e.id AS event_id, e.published_at
        FROM consumers c JOIN events e ON e.topic = c.topic AND e.published_at >= c.since
        WHERE e.published_at < now() - $1::int * interval '1 millisecond'
          AND NOT EXISTS (SELECT 1 FROM ${schema}.inbox i WHERE i.event_id = e.id AND i.consumer = c.consumer)`,
        [Math.trunc(settleMs)],
      );
      unconsumed.push(...rows);
    }
  }
  return [
    {
      name: 'outbox-published',
      description: 'every outbox event is published (none parked, none stuck)',
      status: unpublished.length === 0 ? 'ok' : 'violated',
      violations: unpublished.length,
      examples: unpublished.slice(0, 20),
    },
    {
      name: 'events-consumed-once',
      description: 'every consumer processed each event of its topics, once',
      status: unconsumed.length === 0 ? 'ok' : 'violated',
      violations: unconsumed.length,
      examples: unconsumed.slice(0, 20),
    },
  ];
}

export async function verifyInvariants(db: Queryable, options: VerifyOptions = {}): Promise<InvariantReport> {
  const settings: Required<VerifyOptions> = {
    sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
    settleMs: options.settleMs ?? 60_000,
  };
  const checks: InvariantCheck[] = [];
  for (const check of CHECKS) {
    const present = await Promise.all(check.needs.map((table) => tableExists(db, table)));
    if (present.includes(false)) {
      checks.push({
        name: check.name,
        description: check.description,
        status: 'skipped',
        violations: 0,
        examples: [],
      });
      continue;
    }
    const { rows } = await db.query(check.sql(settings));
    checks.push({
      name: check.name,
      description: check.description,
      status: rows.length === 0 ? 'ok' : 'violated',
      violations: rows.length,
      examples: rows.slice(0, 20),
    });
  }
  checks.push(...(await messagingChecks(db, settings.settleMs)));
  return {
    ok: checks.every((check) => check.status !== 'violated'),
    checkedAt: new Date().toISOString(),
    checks,
  };
}

/** The report as lines a terminal shows. */
export function formatReport(report: InvariantReport): string {
  const lines = report.checks.map((check) => {
    const mark = check.status === 'ok' ? 'ok  ' : check.status === 'skipped' ? 'skip' : 'FAIL';
    const count = check.status === 'violated' ? ` (${check.violations})` : '';
    const examples = check.examples
      .slice(0, 5)
      .map((example) => `\n        ${JSON.stringify(example)}`)
      .join('');
    return `  ${mark} ${check.name}: ${check.description}${count}${examples}`;
  });
  return `${lines.join('\n')}\n${report.ok ? 'all invariants hold' : 'INVARIANTS VIOLATED'}\n`;
}
