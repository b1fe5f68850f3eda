import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { createLogger } from '../../log';
import { emit } from '../output';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (DATABASE_URL, or the embedded Postgres in .kustiq/)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      const config = loadConfig();
      const log = createLogger(config.LOG_LEVEL);
      const db = await openDatabase(config, { migrate: false, onLog: (l) => log.debug({ postgres: l }) });
      try {
        const [batch, applied] = (await db.knex.migrate.latest()) as [number, string[]];
        const [done] = (await db.knex.migrate.list()) as [{ name: string }[], unknown[]];
        emit(!!opts.json, { applied, batch, total: done.length, embedded: !!db.embedded }, () =>
          applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : `Database is up to date (${done.length} migrations).`,
        );
      } finally {
        await db.close();
      }
    });
}
