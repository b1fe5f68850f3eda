import { registerAllJobs } from '../../server/worker/all-jobs';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { EmulatorAdmin } from '../../emulator/client';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/server';
import { spawnEmulator } from '../../bench/spawn-emulator';
import { loadConfig } from '../../server/config';
import { createHttpServer } from '../../server/http/app';
import { signedBase } from '../../server/http/called-uri';
import { installServices, type InstallServices } from '../../server/install/services';
import { createLogger } from '../../server/log';
import { freePort } from '../../server/db/embedded-postgres';
import { createTestDatabase, type TestDatabase } from './db';
import { Browser } from '../../emulator/browser-client';
import { startWorker, type Worker } from '../../server/worker/worker';

export { Browser };

export const testKey = () => `k${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}`;

export interface BackendFixture {
  emu: RunningEmulator;
  admin: EmulatorAdmin;
  db: TestDatabase;
  services: InstallServices;
  /** Where the backend listens (http://127.0.0.1:PORT): where requests are sent. */
  url: string;
  /**
   * What HubSpot signs over: PUBLIC_URL without its trailing slash (equal to `url` unless
   * the test sets PUBLIC_URL). Sign `${publicUrl}${path}`, send to `${url}${path}`.
   */
  publicUrl: string;
  logs: string[];
  browser: () => Browser;
  env: Record<string, string>;
}

/** The backend (dashboard + install) on a fresh database, talking to an in-process local HubSpot. */
/**
 * `emulatorProcess`: the local HubSpot in its own process (as in production and the
 * benches), for tests that assert on HubSpot's rate limits: an in-process emulator shares
 * the event loop with the sync, which bunches requests it would have seen apart. Its
 * in-memory `state` is then not available; use `admin`.
 */
export function useBackend(emuOpts: EmulatorOptions = {}, env: Record<string, string> = {}, opts: { worker?: boolean; emulatorProcess?: boolean } = {}): BackendFixture {
  const fx = { logs: [] as string[] } as BackendFixture;
  let server: Server;
  let worker: Worker | undefined;
  beforeAll(async () => {
    if (opts.emulatorProcess) {
      const args = ['--companies', String(emuOpts.companies ?? 5), '--contacts', String(emuOpts.contacts ?? 5)];
      const spawned = await spawnEmulator(args);
      fx.emu = { url: spawned.url, portalId: spawned.portalId, clientId: spawned.clientId, clientSecret: spawned.clientSecret, close: spawned.stop } as unknown as RunningEmulator;
    } else fx.emu = await startEmulator({ companies: 5, contacts: 5, ...emuOpts });
    fx.admin = new EmulatorAdmin(fx.emu.url);
    fx.db = await createTestDatabase();
    const port = await freePort();
    fx.url = `http://127.0.0.1:${port}`;
    fx.env = {
      DATABASE_URL: fx.db.url, PORT: String(port), PUBLIC_URL: fx.url, LOG_LEVEL: 'debug',
      HUBSPOT_API_BASE_URL: fx.emu.url, HUBSPOT_AUTHORIZE_URL: `${fx.emu.url}/oauth/authorize`,
      HUBSPOT_CLIENT_ID: fx.emu.clientId, HUBSPOT_CLIENT_SECRET: fx.emu.clientSecret,
      KUSTIQ_ENCRYPTION_KEYS: testKey(), KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'),
      // Credits have their own tests (test/sync/credits.test.ts); elsewhere a Free plan's 3 a week would hide what is tested.
      KUSTIQ_CREDITS: 'unmetered', ...env,
    };
    const config = loadConfig(fx.env);
    fx.publicUrl = signedBase(config);
    const sink = new Writable({ write(chunk, _e, cb) { fx.logs.push(String(chunk)); cb(); } });
    const log = createLogger('debug', sink);
    fx.services = installServices(config, fx.db.knex, log);
    if (opts.worker) {
      // A real pg-boss worker on the test database, running the jobs the web queues.
      worker = await startWorker(fx.db.url, log);
      await registerAllJobs(worker, fx.services, { schedules: false, tokens: false });
      fx.services.boss = worker.boss;
    }
    const http = createHttpServer({ config, knex: fx.db.knex, log, install: fx.services });
    server = await new Promise<Server>((resolve) => { const s = http.listen(port, '127.0.0.1', () => resolve(s)); });
    fx.browser = () => new Browser(fx.url);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await worker?.stop();
    await fx.emu?.close();
    await fx.db?.drop();
  });
  return fx;
}
