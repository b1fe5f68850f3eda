import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { disconnect } from '../../install/connection';
import { installServices } from '../../install/services';
import { createLogger } from '../../log';
import { emit, intOption } from '../output';

/** `kustiq disconnect --portal ID`: revoke at HubSpot, stop the portal's work, keep kustiq_* values. */
export function registerDisconnect(program: Command): void {
  program
    .command('disconnect')
    .description('disconnect a HubSpot portal: revoke the token at HubSpot and stop its jobs (kustiq_* values stay on records)')
    .requiredOption('--portal <id>', 'HubSpot portal (hub) id', intOption('portal', 1))
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      const config = loadConfig(process.env, ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'KUSTIQ_ENCRYPTION_KEYS']);
      const log = createLogger(config.LOG_LEVEL);
      const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
      try {
        const c = await db.knex('hubspot_connections').where({ portal_id: String(opts.portal) }).first();
        if (!c) throw new Error(`no HubSpot connection for portal ${opts.portal}`);
        const out = await disconnect(installServices(config, db.knex, log), c.workspace_id);
        emit(!!opts.json, { disconnected: out }, () =>
          `Disconnected HubSpot portal ${opts.portal}${out?.revokedAtHubSpot ? ' (token revoked at HubSpot)' : ''}. kustiq_* properties and values stay on records.`,
        );
      } finally {
        await db.close();
      }
    });
}
