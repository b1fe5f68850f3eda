import { registerAllJobs } from '../../worker/all-jobs';
import type { Server } from 'node:http';
import type { Command } from 'commander';
import { Browser } from '../../../emulator/browser-client';
import { startEmulator } from '../../../emulator/server';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { freePort } from '../../db/embedded-postgres';
import { demoSecrets } from '../../demo/demo-secrets';
import { createHttpServer } from '../../http/app';
import { installServices } from '../../install/services';
import { creditStatus, grantCredits } from '../../credits/credit-ledger';
import { PLANS } from '../../credits/plans';
import { importProfiles } from '../../profiles/import-profiles';
import { sampleProfiles } from '../../samples/profile-graph';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../log';
import { startSync } from '../../worker/sync-jobs';
import { retryWhileUnreachable } from '../../db/connection-errors';
import { startWorker } from '../../worker/worker';
import type { SyncCounts } from '../../sync/run-model';
import { emit, intOption, untilSignal, UsageError } from '../output';
import { startDemoReceiver, type DemoReceiver } from '../../demo/demo-receiver';
import { saveEndpoint } from '../../webhooks/endpoints';
import { generateSecret } from '../../webhooks/signing';
import { setSecret } from '../../webhooks/webhook-secrets';
import { urlProblem } from '../../webhooks/target-guard';
import { deliveryCounts } from '../../webhooks/webhook-admin';

/**
 * `kustiq demo`: the whole product on one machine. Runs today: Postgres (embedded unless
 * DATABASE_URL), migrations, the local HubSpot seeded with a portal, the backend and
 * dashboard and a pg-boss worker, the OAuth install of the demo portal and its kustiq_*
 * schema, the sample profile graph, and the first sync (match, then write the kustiq_*
 * values in batches at HubSpot's limits; review rows wait on the dashboard), with a
 * signed webhook per enriched record to a local receiver that verifies it (or to
 * --webhook-url, signed with --webhook-secret). The report says which stages ran.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the whole product locally: database, local HubSpot, backend, OAuth install and schema (match → sync → webhooks as they land)')
    .option('--companies <n>', 'companies in the demo portal', intOption('companies', 0, 1_000_000), 1000)
    .option('--contacts <n>', 'contacts in the demo portal', intOption('contacts', 0, 3_000_000), 3000)
    .option('--port <port>', 'backend port (0 picks a free one)', intOption('port', 0, 65535), 0)
    .option('--once', 'run once, print the report and exit')
    .option('--json', 'print the report as one JSON document')
    .option('--webhook-url <url>', 'send outbound webhooks here (signed with --webhook-secret)')
    .option('--webhook-secret <secret>', 'secret for --webhook-url')
    .action(async (opts) => {
      if (opts.webhookUrl && !opts.webhookSecret) throw new UsageError('--webhook-url needs --webhook-secret (the secret your receiver verifies with)');
      if (opts.webhookUrl && urlProblem(opts.webhookUrl)) throw new UsageError(`--webhook-url ${urlProblem(opts.webhookUrl)}`);
      const started = performance.now();
      const base = loadConfig();
      const secrets = demoSecrets(base.dataDir);
      // The report is the demo's output; logs stay quiet unless LOG_LEVEL asks for them.
      const log = createLogger(process.env.LOG_LEVEL ? base.LOG_LEVEL : 'warn');
      const db = await openDatabase(base, { onLog: (l) => log.debug({ postgres: l }) });
      const emu = await startEmulator({ companies: opts.companies, contacts: opts.contacts, clientId: secrets.clientId, clientSecret: secrets.clientSecret });
      const port = opts.port || (await freePort());
      const backendUrl = `http://127.0.0.1:${port}`;
      const config = loadConfig({
        ...process.env,
        PUBLIC_URL: backendUrl, PORT: String(port),
        HUBSPOT_API_BASE_URL: emu.url, HUBSPOT_AUTHORIZE_URL: `${emu.url}/oauth/authorize`,
        HUBSPOT_CLIENT_ID: secrets.clientId, HUBSPOT_CLIENT_SECRET: secrets.clientSecret,
        KUSTIQ_ENCRYPTION_KEYS: process.env.KUSTIQ_ENCRYPTION_KEYS || secrets.encryptionKeys,
        KUSTIQ_SESSION_SECRET: process.env.KUSTIQ_SESSION_SECRET || secrets.sessionSecret,
        // The demo's receiver is local (and a --webhook-url is the operator's own choice).
        KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true',
      });
      const install = installServices(config, db.knex, log);
      const worker = await startWorker(db.url, log);
      // No nightly planner: the demo runs its first sync itself.
      await registerAllJobs(worker, install, { schedules: false });
      let receiver: DemoReceiver | null = null;
      install.boss = worker.boss;
      const http = createHttpServer({ config, knex: db.knex, log, install });
      const server = await new Promise<Server>((resolve) => {
        const s = http.listen(port, '127.0.0.1', () => resolve(s));
      });
      try {
        // The OAuth install, as a user clicking "Sign in with HubSpot" would run it.
        const connect = await new Browser(backendUrl).go('/oauth/install?purpose=login');
        const conn = await db.knex('hubspot_connections').where({ portal_id: String(emu.portalId) }).first();
        const installed = connect.res.status === 200 && conn?.status === 'connected';
        const props = (type: 'companies' | 'contacts') =>
          [...emu.state.portal(emu.portalId).properties[type].values()].filter((p) => p.name.startsWith('kustiq_') && !p.archived).length;
        // The sample profile graph (the portal's companies plus 2,000 more), then the first sync on the worker.
        let run: { status: string; counts: SyncCounts; error_code: string | null; error_detail: string | null } | null = null;
        if (installed) {
          const graphFile = path.join(base.dataDir, 'demo-graph.jsonl');
          fs.writeFileSync(graphFile, [...sampleProfiles(opts.companies + 2000)].map((p) => JSON.stringify(p)).join('\n'));
          await importProfiles(db.knex, graphFile);
          // The demo workspace is on Pro, with a grant covering the demo portal (Pro's 800 a month would stop at 800).
          await db.knex('workspaces').where({ id: conn.workspace_id }).update({ plan: 'pro' });
          if (opts.companies > PLANS.pro.credits) await grantCredits(db.knex, { workspaceId: conn.workspace_id, credits: opts.companies - PLANS.pro.credits, reason: 'demo portal' });
          // Outbound webhooks: to the local receiver (or --webhook-url), subscribed before the first sync.
          const webhookSecret = opts.webhookSecret ?? generateSecret();
          await setSecret(db.knex, install.keyring, conn.workspace_id, webhookSecret);
          if (!opts.webhookUrl) receiver = await startDemoReceiver(webhookSecret);
          // A demo run owns the demo workspace's endpoints: an earlier run's receiver is gone.
          await db.knex('webhook_endpoints').where({ workspace_id: conn.workspace_id }).delete();
          await saveEndpoint(db.knex, conn.workspace_id, { url: opts.webhookUrl ?? receiver!.url }, { allowPrivate: true });
          const runId = await startSync(worker.boss, install, emu.portalId);
          for (;;) {
            // The demo follows its run through database blips (the run resumes from its checkpoint).
            run = await retryWhileUnreachable(() => db.knex('sync_runs').where({ id: runId }).first());
            if (['succeeded', 'failed', 'waiting'].includes(run!.status)) break;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        // Deliveries still in their first attempt settle in a few seconds (a failing receiver's retries take longer: counted as failed below only once dropped).
        for (let i = 0; conn && i < 300 && (await retryWhileUnreachable(() => deliveryCounts(db.knex, conn.workspace_id))).pending > 0; i++) {
          const first = Number((await retryWhileUnreachable(() => db.knex('webhook_deliveries').where({ status: 'pending', attempts: 0 }).count('* as n').first()))!.n);
          if (!first) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const hooks = conn ? await deliveryCounts(db.knex, conn.workspace_id) : { delivered: 0, failed: 0, pending: 0 };
        const c = run?.counts;
        const enrichedCompanies = conn ? Number((await db.knex('company_matches').where({ connection_id: conn.id, write_status: 'written' }).count('* as n').first())!.n) : 0;
        const enrichedContacts = conn ? Number((await db.knex('contact_writes').where({ connection_id: conn.id }).whereNotNull('written_at').count('* as n').first())!.n) : 0;
        const problems = conn ? await db.knex('property_states').where({ connection_id: conn.id }).whereNot({ status: 'ok' }).select('name', 'code') : [];
        const stats = emu.log.stats(emu.portalId);
        // Read from this run's local HubSpot, not from Kustiq's tables: what the portal really holds.
        const holding = (type: 'companies' | 'contacts') =>
          [...emu.state.portal(emu.portalId).objects[type].order].filter((r) => !r.archived && Object.entries(r.properties).some(([k, v]) => k.startsWith('kustiq_') && v !== '' && v !== null && v !== undefined)).length;
        const verified = { companies: holding('companies'), contacts: holding('contacts') };
        const credits = conn ? await creditStatus(db.knex, conn.workspace_id, new Date(), config.KUSTIQ_CREDITS === 'metered') : null;
        const report = {
          portalId: emu.portalId,
          database: db.embedded ? 'embedded' : 'DATABASE_URL',
          emulator: emu.url,
          dashboard: `${backendUrl}/login`,
          companies: { total: opts.companies, enriched: enrichedCompanies, matched: c?.matched ?? 0, review: c?.review ?? 0, unmatched: c?.unmatched ?? 0, skipped: c?.skipped ?? 0 },
          contacts: { total: opts.contacts, enriched: enrichedContacts },
          properties: { company: props('companies'), contact: props('contacts') },
          schemaProblems: problems,
          hubspot: { requests: stats.total, http429: stats.http429, verified },
          credits: credits ? { plan: credits.plan, allowance: credits.allowance, used: credits.used, remaining: credits.remaining, metered: credits.metered } : null,
          stages: {
            database: 'done', emulator: 'done', install: installed ? 'done' : 'failed', schema: installed && !problems.length ? 'done' : 'failed',
            match: c ? 'done' : 'failed', sync: run?.status === 'succeeded' ? 'done' : run ? `${run.status}${run.error_code ? ` (${run.error_code})` : ''}` : 'failed',
            webhooks: hooks.delivered + hooks.failed + hooks.pending === 0 ? 'none sent' : hooks.failed || hooks.pending ? `${hooks.failed} failed, ${hooks.pending} retrying` : 'done',
          },
          webhooks: { delivered: hooks.delivered, failed: hooks.failed, retrying: hooks.pending, endpoint: opts.webhookUrl ?? receiver?.url ?? null, verifiedByReceiver: receiver ? receiver.verified : null },
          wallMs: Math.round(performance.now() - started),
        };
        emit(!!opts.json, report, () =>
          [
            'Kustiq demo',
            `  database:      ${report.database} (migrated)`,
            `  local HubSpot: ${emu.url} — portal ${emu.portalId}, ${opts.companies} companies, ${opts.contacts} contacts`,
            `  install:       ${installed ? `connected over OAuth (${conn.scopes.length} scopes)` : 'FAILED'}`,
            `  schema:        ${report.properties.company} company + ${report.properties.contact} contact kustiq_* properties${problems.length ? ` (${problems.length} problems)` : ''}`,
            `  matching:      ${report.companies.matched} matched, ${report.companies.review} to review, ${report.companies.unmatched} unmatched, ${report.companies.skipped} skipped (blank domain)`,
            `  first sync:    ${report.stages.sync}: ${report.companies.enriched} companies and ${report.contacts.enriched} contacts enriched; ${report.hubspot.requests} HubSpot requests, ${report.hubspot.http429} answered 429`,
            `  in HubSpot:    ${verified.companies} companies and ${verified.contacts} contacts hold kustiq_* values (read from the local HubSpot)`,
            ...(credits ? [`  credits:       ${credits.used} of ${credits.allowance} spent (${PLANS[credits.plan].label} plan${credits.allowance > PLANS[credits.plan].credits ? ' + demo grant' : ''}${credits.metered ? '' : ', unmetered'})`] : []),
            `  dashboard:     ${report.dashboard}  (Sign in with HubSpot: the local HubSpot consents at once; Review matches)`,
            `  webhooks:      ${report.webhooks.delivered} delivered, ${report.webhooks.failed} failed${hooks.pending ? `, ${hooks.pending} retrying` : ''} to ${report.webhooks.endpoint}${receiver ? ` (${receiver.verified} verified by the local receiver)` : ''}`,
            opts.once ? '' : '  Ctrl-C to stop.',
          ].join('\n'),
        );
        if (!installed || run?.status !== 'succeeded') process.exitCode = 1;
        if (!opts.once) await untilSignal();
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        await worker.stop();
        await receiver?.close();
        await emu.close();
        await db.close();
      }
    });
}
