// What the measured PostgreSQL server promises about a committed transaction, read from the
// server itself: a run on a server without fsync flatters both pgbench and the platform, and
// loses confirmed orders in a crash, so every report says which kind of server it measured.
import pg from 'pg';

export interface Durability {
  fsync: string;
  synchronousCommit: string;
  fullPageWrites: string;
  /** All three at PostgreSQL's defaults (on): a committed purchase survives a crash. */
  durable: boolean;
}

/** `SHOW fsync`, `synchronous_commit` and `full_page_writes` on the server at `databaseUrl`. */
export async function readDurability(databaseUrl: string): Promise<Durability> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-durability' });
  await client.connect();
  try {
    const show = async (name: string) =>
      String(Object.values((await client.query(`SHOW ${name}`)).rows[0] ?? {})[0] ?? 'unknown');
    const fsync = await show('fsync');
    const synchronousCommit = await show('synchronous_commit');
    const fullPageWrites = await show('full_page_writes');
    return {
      fsync,
      synchronousCommit,
      fullPageWrites,
      durable: isDurable(fsync, synchronousCommit, fullPageWrites),
    };
  } finally {
    await client.end();
  }
}

/**
 * Durable as PostgreSQL ships it: fsync and full_page_writes on, and a commit waits for its WAL
 * to reach the local disk (synchronous_commit anything but off: local and the remote_* levels
 * flush locally too).
 */
export function isDurable(fsync: string, synchronousCommit: string, fullPageWrites: string): boolean {
  return fsync === 'on' && fullPageWrites === 'on' && synchronousCommit !== 'off';
}

/** One line for the report: the three settings and what they mean. */
export function durabilityLine(durability: Durability): string {
  const settings = `fsync ${durability.fsync}, synchronous_commit ${durability.synchronousCommit}, full_page_writes ${durability.fullPageWrites}`;
  return durability.durable
    ? `${settings} (durable: PostgreSQL's defaults)`
    : `${settings} (NOT durable: a crash can lose committed purchases; the figures flatter the database)`;
}
