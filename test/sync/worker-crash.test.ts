import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { importProfiles } from '../../server/profiles/import-profiles';
import { sampleProfiles } from '../../server/samples/profile-graph';
import { createRun } from '../../server/sync/portal-sync';
import { startJobSender, type Worker } from '../../server/worker/worker';
import { SYNC_QUEUE } from '../../server/worker/sync-jobs';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testKey } from '../support/backend';

/**
 * Crash safety with real processes: two `kustiq worker` processes, the first killed with
 * SIGKILL in the middle of a portal's sync; the second finishes it, and HubSpot received
 * every record's write exactly once.
 */
describe('a worker killed mid-sync', () => {
  let emu: SpawnedEmulator;
  let db: TestDatabase;
  let server: Server;
  let sender: Worker;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];
  const startWorker = () => {
    const child = spawn(process.execPath, [KUSTIQ_BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', () => {});
    workers.push(child);
    return child;
  };

  beforeAll(async () => {
    emu = await spawnEmulator(['--companies', '3000', '--contacts', '1000']);
    db = await createTestDatabase();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-crash-')), 'graph.jsonl');
    fs.writeFileSync(file, [...sampleProfiles(3600)].map((p) => JSON.stringify(p)).join('\n'));
    await importProfiles(db.knex, file);
    const port = await freePort();
    env = {
      DATABASE_URL: db.url, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn',
      HUBSPOT_API_BASE_URL: emu.url, HUBSPOT_AUTHORIZE_URL: `${emu.url}/oauth/authorize`, HUBSPOT_CLIENT_ID: emu.clientId, HUBSPOT_CLIENT_SECRET: emu.clientSecret,
      KUSTIQ_ENCRYPTION_KEYS: testKey(), KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'),
      // Short slices and a quick hand-over, so the test does not wait minutes for an expiry.
      KUSTIQ_SYNC_SLICE_MS: '1500', KUSTIQ_SYNC_EXPIRE_SECONDS: '4', KUSTIQ_JOB_MAINTENANCE_SECONDS: '1',
    };
    const config = loadConfig(env);
    const services = installServices(config, db.knex, createLogger('warn'));
    server = createHttpApp({ config, knex: db.knex, log: services.log, install: services }).listen(port, '127.0.0.1');
    await new Browser(env.PUBLIC_URL!).go('/oauth/install?purpose=login');
    sender = await startJobSender(db.url, services.log);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await sender?.stop();
    server?.close();
    await emu?.stop();
    await db?.drop();
  });

  const until = async (what: string, cond: () => Promise<boolean>, ms = 120_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) { if (await cond()) return; await new Promise((r) => setTimeout(r, 100)); }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('loses nothing and writes every record once', async () => {
    const first = startWorker();
    await until('the worker to create its queues', async () => (await db.knex.raw(`SELECT 1 FROM pgboss.queue WHERE name = ?`, [SYNC_QUEUE])).rows.length > 0);
    const runId = await createRun(db.knex, emu.portalId);
    await sender.boss.send(SYNC_QUEUE, { runId, portalId: emu.portalId }, { singletonKey: String(emu.portalId) });
    // Kill it once a few batches have committed (mid-companies).
    await until('batches to commit', async () => Number((await db.knex('sync_batches').where({ run_id: runId }).count('* as n').first())!.n) >= 4);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = await db.knex('sync_runs').where({ id: runId }).first();
    expect(before.status).toBe('running');
    startWorker();
    await until('the second worker to finish the run', async () => (await db.knex('sync_runs').where({ id: runId }).first()).status === 'succeeded');

    const run = await db.knex('sync_runs').where({ id: runId }).first();
    const matched = Number((await db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n);
    expect(await db.knex('company_matches').where({ status: 'matched' }).whereNot({ write_status: 'written' }).count('* as n').first()).toEqual({ n: '0' });
    expect(await db.knex('sync_intents').count('* as n').first()).toEqual({ n: '0' });
    // HubSpot's side: every matched company carries its values, and company batches went out
    // exactly ⌈matched / 100⌉ times (a batch sent twice would show as one more).
    const log = await new EmulatorAdmin(emu.url).requests(emu.portalId);
    const companyWrites = log.entries.filter((e) => e.method === 'POST' && e.path === '/crm/v3/objects/companies/batch/update' && e.status === 200).length;
    expect(companyWrites).toBe(Math.ceil(matched / 100));
    const contactWrites = log.entries.filter((e) => e.method === 'POST' && e.path === '/crm/v3/objects/contacts/batch/update' && e.status === 200).length;
    const contactsWritten = Number((await db.knex('contact_writes').count('* as n').first())!.n);
    expect(contactWrites).toBe(Math.ceil(contactsWritten / 100));
    expect(log.http429).toBe(0);
    const companies = await new EmulatorAdmin(emu.url).call<{ results: { id: string; properties: Record<string, string> }[] }>('GET', `/portals/${emu.portalId}/objects/companies?limit=10000`);
    const withProfile = companies.results.filter((c) => c.properties.kustiq_profile_id).length;
    expect(withProfile).toBe(matched);
    expect(run.counts.companiesRead).toBeGreaterThanOrEqual(3000);
  });
});
