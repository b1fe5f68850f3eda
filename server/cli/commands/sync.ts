import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { installServices } from '../../install/services';
import { createLogger } from '../../log';
import { startJobSender } from '../../worker/worker';
import { startSync } from '../../worker/sync-jobs';
import { emit, intOption, UsageError } from '../output';

/**
 * `kustiq sync --portal ID [--kind full|nightly]`: queues a run for the workers (start one
 * with `kustiq worker`) and follows it with a progress bar until it ends; exit 1 unless it
 * succeeds. `--no-wait` only queues it.
 */
export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('run a full (or nightly) sync of a portal on the workers and follow its progress')
    .requiredOption('--portal <id>', 'HubSpot portal (hub) id', intOption('portal', 1))
    .option('--kind <kind>', 'full or nightly', 'full')
    .option('--no-wait', 'queue the run and return')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      if (!['full', 'nightly'].includes(opts.kind)) throw new UsageError(`--kind must be full or nightly, not "${opts.kind}"`);
      const config = loadConfig(process.env, ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'KUSTIQ_ENCRYPTION_KEYS']);
      const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
      const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
      const sender = await startJobSender(db.url, log);
      try {
        const s = installServices(config, db.knex, log);
        if (!(await db.knex('hubspot_connections').where({ portal_id: String(opts.portal), status: 'connected' }).first())) throw new Error(`no connected HubSpot portal ${opts.portal}`);
        const runId = await startSync(sender.boss, s, opts.portal, opts.kind);
        let run = await db.knex('sync_runs').where({ id: runId }).first();
        if (opts.wait) {
          const bar = process.stderr.isTTY ? new SingleBar({ format: '{phase} {bar} {read} read · {written} written · {requests} requests', stream: process.stderr }) : null;
          bar?.start(1, 0, { phase: 'queued', read: 0, written: 0, requests: 0 });
          while (!['succeeded', 'failed', 'waiting'].includes(run.status)) {
            await new Promise((r) => setTimeout(r, 500));
            run = await db.knex('sync_runs').where({ id: runId }).first();
            const c = run.counts;
            // Companies first, then contacts: the bar shows the phase's share of reading done.
            bar?.update(run.cursor.phase === 'done' ? 1 : run.cursor.phase === 'contacts' ? 0.5 : 0.25, {
              phase: run.cursor.phase, read: (c.companiesRead ?? 0) + (c.contactsRead ?? 0), written: (c.companiesWritten ?? 0) + (c.contactsWritten ?? 0), requests: run.requests,
            });
          }
          bar?.update(1);
          bar?.stop();
        }
        const out = { runId, status: run.status, counts: run.counts, requests: run.requests, http429: run.http429, errorCode: run.error_code ?? null };
        emit(!!opts.json, out, () => `Sync of portal ${opts.portal}: ${run.status}${run.error_code ? ` (${run.error_code}: ${run.error_detail})` : ''}; ${run.counts.companiesWritten ?? 0} companies and ${run.counts.contactsWritten ?? 0} contacts written, ${run.requests} HubSpot requests.`);
        if (opts.wait && run.status !== 'succeeded') process.exitCode = 1;
      } finally {
        await sender.stop();
        await db.close();
      }
    });
}
