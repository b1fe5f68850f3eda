import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../emulator/browser-client';
import { EmulatorAdmin } from '../../emulator/client';
import { KUSTIQ_BIN, spawnEmulator, type SpawnedEmulator } from '../../bench/spawn-emulator';
import { loadConfig } from '../../server/config';
import { freePort } from '../../server/db/embedded-postgres';
import { createHttpApp } from '../../server/http/app';
import { installServices } from '../../server/install/services';
import { createLogger } from '../../server/log';
import { createRun } from '../../server/sync/portal-sync';
import { startJobSender, type Worker } from '../../server/worker/worker';
import { SYNC_QUEUE } from '../../server/worker/sync-jobs';
import { queueRecordSync, RECORD_QUEUE } from '../../server/worker/record-jobs';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { loadSampleGraph } from '../support/graph';
import { testKey } from '../support/backend';

/**
 * Two `kustiq worker` processes, five portals, full syncs and "Sync now" requests for the
 * same portals at once: every request both workers make for a portal draws from one
 * budget, so HubSpot never answers 429. The local HubSpot's limits are set low (10 per
 * 2 s, search 2 per second) so that the budget, not the workload, sets the pace.
 */
describe('two workers, five portals', () => {
  let emu: SpawnedEmulator;
  let db: TestDatabase;
  let server: Server;
  let sender: Worker;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];
  const portals = [24_000_101, 24_000_102, 24_000_103, 24_000_104, 24_000_105];

  beforeAll(async () => {
    emu = await spawnEmulator(['--companies', '0']);
    const admin = new EmulatorAdmin(emu.url);
    await admin.settings({ rateLimit: { max: 10, windowMs: 2000, searchPerSecond: 2 } });
    db = await createTestDatabase();
    await loadSampleGraph(db.knex, 900);
    const port = await freePort();
    env = {
      DATABASE_URL: db.url, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn',
      HUBSPOT_API_BASE_URL: emu.url, HUBSPOT_AUTHORIZE_URL: `${emu.url}/oauth/authorize`, HUBSPOT_CLIENT_ID: emu.clientId, HUBSPOT_CLIENT_SECRET: emu.clientSecret,
      KUSTIQ_ENCRYPTION_KEYS: testKey(), KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'),
      KUSTIQ_RATE_GENERAL: '10/2000', KUSTIQ_RATE_SEARCH: '2/1000', KUSTIQ_SYNC_SLICE_MS: '3000',
    };
    const config = loadConfig(env);
    const services = installServices(config, db.knex, createLogger('warn'));
    server = createHttpApp({ config, knex: db.knex, log: services.log, install: services }).listen(port, '127.0.0.1');
    for (const portalId of portals) {
      await admin.call('POST', '/portals', { portalId, companies: 150, contacts: 0 });
      await admin.settings({ nextGrant: { withhold: [], portalId } });
      await new Browser(env.PUBLIC_URL!).go('/oauth/install?purpose=login');
    }
    sender = await startJobSender(db.url, services.log);
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, [KUSTIQ_BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
      workers.push(child);
    }
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await sender?.stop();
    server?.close();
    await emu?.stop();
    await db?.drop();
  });

  const until = async (what: string, cond: () => Promise<boolean>, ms = 150_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) { if (await cond()) return; await new Promise((r) => setTimeout(r, 200)); }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('syncs every portal with no 429 anywhere', async () => {
    expect(Number((await db.knex('hubspot_connections').where({ status: 'connected' }).count('* as n').first())!.n)).toBe(5);
    await until('the workers\' queues', async () => (await db.knex.raw('SELECT count(*)::int AS n FROM pgboss.queue WHERE name = ANY(?)', [[SYNC_QUEUE, RECORD_QUEUE]])).rows[0].n === 2);
    const admin = new EmulatorAdmin(emu.url);
    await admin.clearRequests();
    const runs: string[] = [];
    for (const portalId of portals) {
      const runId = await createRun(db.knex, portalId);
      runs.push(runId);
      await sender.boss.send(SYNC_QUEUE, { runId, portalId }, { singletonKey: String(portalId) });
      // And reps pressing "Sync now" on the same portal meanwhile: the other worker serves those.
      const conn = await db.knex('hubspot_connections').where({ portal_id: String(portalId) }).first();
      const some = await admin.call<{ results: { id: string }[] }>('GET', `/portals/${portalId}/objects/companies?limit=6`);
      for (const c of some.results) await queueRecordSync(db.knex, sender.boss, conn.id, portalId, 'companies', c.id);
    }
    await until('every run to finish', async () => (await db.knex('sync_runs').whereIn('id', runs).whereIn('status', ['succeeded', 'failed', 'waiting']).count('* as n').first())!.n === '5');
    await until('every record sync to finish', async () => (await db.knex('record_syncs').whereIn('status', ['queued', 'running']).count('* as n').first())!.n === '0');
    const statuses = await db.knex('sync_runs').whereIn('id', runs).pluck('status');
    expect(statuses).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(await db.knex('record_syncs').whereNot({ status: 'succeeded' }).count('* as n').first()).toEqual({ n: '0' });
    const log = await admin.requests();
    if (log.http429) console.log('429s', JSON.stringify(log.entries.filter((e) => e.status === 429)));
    expect(log.http429).toBe(0);
    for (const portalId of portals) {
      const perPortal = await admin.requests(portalId);
      expect(perPortal.total).toBeGreaterThan(10); // more than one window's worth: the budget set the pace
    }
    const written = Number((await db.knex('company_matches').where({ status: 'matched', write_status: 'written' }).count('* as n').first())!.n);
    expect(written).toBe(Number((await db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n));
  });
});
