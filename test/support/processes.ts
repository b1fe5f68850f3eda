import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { Browser } from '../../emulator/browser-client';
import { EmulatorAdmin } from '../../emulator/client';
import { grantCredits } from '../../server/credits/credit-ledger';
import { KUSTIQ_BIN, spawnEmulator, type SpawnedEmulator } from '../../bench/spawn-emulator';
import { loadConfig } from '../../server/config';
import { freePort } from '../../server/db/embedded-postgres';
import { createHttpServer } from '../../server/http/app';
import { installServices, type InstallServices } from '../../server/install/services';
import { createLogger } from '../../server/log';
import { startJobSender, type Worker } from '../../server/worker/worker';
import { createTestDatabase, type TestDatabase } from './db';
import { loadSampleGraph } from './graph';
import { testKey } from './backend';

/**
 * Real processes for the tests that claim crash safety and shared budgets: the local
 * HubSpot in its own process, a fresh database with the sample graph, the backend (for
 * the OAuth install), a job sender, and `kustiq worker` processes started on demand.
 */
export interface ProcessStack {
  emu: SpawnedEmulator;
  admin: EmulatorAdmin;
  db: TestDatabase;
  env: Record<string, string>;
  services: InstallServices;
  sender: Worker;
  /** Installs the app in a portal (the default one unless given) as a user signing in would. */
  install: (portalId?: number) => Promise<void>;
  startWorker: () => ChildProcess;
  until: (what: string, cond: () => Promise<boolean>, ms?: number) => Promise<void>;
}

export function useProcessStack(opts: { companies: number; contacts: number; graph: number; env?: Record<string, string>; before?: (admin: EmulatorAdmin) => Promise<void> }): ProcessStack {
  const st = {} as ProcessStack;
  let server: Server;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    st.emu = await spawnEmulator(['--companies', String(opts.companies), '--contacts', String(opts.contacts)]);
    st.admin = new EmulatorAdmin(st.emu.url);
    await opts.before?.(st.admin);
    st.db = await createTestDatabase();
    await loadSampleGraph(st.db.knex, opts.graph);
    const port = await freePort();
    st.env = {
      // `kustiq worker` is a production entry point: development, for the plain-http PUBLIC_URL.
      KUSTIQ_ENV: 'development', DATABASE_URL: st.db.url, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn',
      HUBSPOT_API_BASE_URL: st.emu.url, HUBSPOT_AUTHORIZE_URL: `${st.emu.url}/oauth/authorize`, HUBSPOT_CLIENT_ID: st.emu.clientId, HUBSPOT_CLIENT_SECRET: st.emu.clientSecret,
      KUSTIQ_ENCRYPTION_KEYS: testKey(), KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'), ...opts.env,
    };
    const config = loadConfig(st.env);
    st.services = installServices(config, st.db.knex, createLogger('warn'));
    server = createHttpServer({ config, knex: st.db.knex, log: st.services.log, install: st.services }).listen(port, '127.0.0.1');
    st.sender = await startJobSender(st.db.url, st.services.log);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await st.sender?.stop();
    server?.close();
    await st.emu?.stop();
    await st.db?.drop();
  });
  st.install = async (portalId) => {
    if (portalId) await st.admin.settings({ nextGrant: { withhold: [], portalId } });
    await new Browser(st.env.PUBLIC_URL!).go('/oauth/install?purpose=login');
    // Metered as in production, with credits enough for the test portals (the ledger is checked, not the plan).
    for (const w of await st.db.knex('workspaces').whereNotExists(st.db.knex('credit_grants').whereRaw('credit_grants.workspace_id = workspaces.id')).select('id')) {
      await grantCredits(st.db.knex, { workspaceId: w.id, credits: 1_000_000, reason: 'test portals' });
    }
  };
  st.startWorker = () => {
    const child = spawn(process.execPath, [KUSTIQ_BIN, 'worker'], { env: { ...process.env, ...st.env }, stdio: ['ignore', 'ignore', 'ignore'] });
    workers.push(child);
    return child;
  };
  st.until = async (what, cond, ms = 150_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) { if (await cond()) return; await new Promise((r) => setTimeout(r, 100)); }
    throw new Error(`timed out waiting for ${what}`);
  };
  return st;
}
