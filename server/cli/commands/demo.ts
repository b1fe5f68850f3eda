import type { Command } from 'commander';
import { startEmulator } from '../../../emulator/server';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { createHttpApp } from '../../http/app';
import { createLogger } from '../../log';
import { emit, intOption, untilSignal } from '../output';

/**
 * `kustiq demo`: the whole product on one machine. What runs today: Postgres (embedded
 * unless DATABASE_URL), migrations, the local HubSpot seeded with a portal, and the
 * backend. OAuth install, schema, matching, sync and webhooks are wired in as their
 * issues land; the report says which parts ran.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the whole product locally: database, local HubSpot, backend (and, as they land, install → match → sync → webhooks)')
    .option('--companies <n>', 'companies in the demo portal', intOption('companies', 0, 1_000_000), 1000)
    .option('--contacts <n>', 'contacts in the demo portal', intOption('contacts', 0, 3_000_000), 3000)
    .option('--port <port>', 'backend port', intOption('port', 0, 65535), 0)
    .option('--once', 'run once, print the report and exit')
    .option('--json', 'print the report as one JSON document')
    .option('--webhook-url <url>', 'send outbound webhooks here (signed with --webhook-secret)')
    .option('--webhook-secret <secret>', 'secret for --webhook-url')
    .action(async (opts) => {
      const started = performance.now();
      const config = loadConfig();
      const log = createLogger(config.LOG_LEVEL);
      const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
      const emu = await startEmulator({ companies: opts.companies, contacts: opts.contacts });
      const app = createHttpApp({ config, knex: db.knex, log });
      const server = app.listen(opts.port, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const addr = server.address();
      const backendUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      try {
        const stats = emu.log.stats(emu.portalId);
        const report = {
          portalId: emu.portalId,
          database: db.embedded ? 'embedded' : 'DATABASE_URL',
          emulator: emu.url,
          backend: backendUrl,
          companies: { total: opts.companies },
          contacts: { total: opts.contacts },
          hubspot: { requests: stats.total, http429: stats.http429 },
          stages: { database: 'done', emulator: 'done', install: 'not yet wired', schema: 'not yet wired', match: 'not yet wired', sync: 'not yet wired', webhooks: 'not yet wired' },
          wallMs: Math.round(performance.now() - started),
        };
        emit(!!opts.json, report, () =>
          [
            'Kustiq demo',
            `  database:      ${report.database} (migrated)`,
            `  local HubSpot: ${emu.url} — portal ${emu.portalId} with ${opts.companies} companies, ${opts.contacts} contacts`,
            `  backend:       ${backendUrl}/healthz`,
            '  not yet wired: OAuth install, kustiq_* schema, matching, sync, webhooks (see the open issues)',
            opts.once ? '' : '  Ctrl-C to stop.',
          ].join('\n'),
        );
        if (!opts.once) await untilSignal();
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        await emu.close();
        await db.close();
      }
    });
}
