import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres';
import { migrationSource } from './migrations';

export interface Database {
  knex: Knex;
  url: string;
  embedded: EmbeddedServer | null;
  close: () => Promise<void>;
}

export function createKnex(url: string, pool: { min?: number; max?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    migrations: { migrationSource, tableName: 'knex_migrations' },
    // knex prints its warnings (e.g. "Connection Error" when Postgres drops a connection) with
    // console.log, onto stdout, which `--json` reserves for its one document: stderr instead.
    log: Object.fromEntries((['warn', 'error', 'deprecate', 'debug'] as const).map((level) => [level, (m: unknown) => {
      if (level !== 'debug') process.stderr.write(`knex ${level}: ${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
    }])),
  });
}

/** DATABASE_URL when set; otherwise the embedded Postgres in `<dataDir>/pg`. */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'dataDir'>,
  opts: { migrate?: boolean; onLog?: (line: string) => void } = {},
): Promise<Database> {
  let embedded: EmbeddedServer | null = null;
  let url = config.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, { onLog: opts.onLog });
    url = embedded.url();
  }
  const knex = createKnex(url);
  if (opts.migrate !== false) await knex.migrate.latest();
  return {
    knex,
    url,
    embedded,
    close: async () => {
      await knex.destroy();
      await embedded?.stop();
    },
  };
}
