import { registerAllJobs } from '../server/worker/all-jobs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Browser } from '../emulator/browser-client';
import { EmulatorAdmin } from '../emulator/client';
import { loadConfig } from '../server/config';
import { grantCredits } from '../server/credits/credit-ledger';
import { openDatabase, type Database } from '../server/db/database';
import { freePort } from '../server/db/embedded-postgres';
import { createHttpServer } from '../server/http/app';
import { installServices, type InstallServices } from '../server/install/services';
import { createLogger } from '../server/log';
import { importProfiles } from '../server/profiles/import-profiles';
import { sampleProfiles } from '../server/samples/profile-graph';
import { startWorker, type Worker } from '../server/worker/worker';
import { spawnEmulator, type SpawnedEmulator } from './spawn-emulator';

/**
 * The product on one machine for the sync benches: the local HubSpot in its own process
 * (default limits), a throwaway Postgres (or BENCH_DATABASE_URL), the sample graph, the
 * backend, an OAuth-connected portal, and optionally a pg-boss worker.
 */
export interface Stack {
  emu: SpawnedEmulator;
  admin: EmulatorAdmin;
  db: Database;
  services: InstallServices;
  url: string;
  browser: Browser;
  worker: Worker | null;
  stop: () => Promise<void>;
}

export async function startStack(opts: { companies: number; contacts?: number; worker?: boolean }): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-bench-'));
  const emu = await spawnEmulator(['--companies', String(opts.companies), '--contacts', String(opts.contacts ?? 0)]);
  const db = await openDatabase({ dataDir: dir, DATABASE_URL: process.env.BENCH_DATABASE_URL });
  const file = path.join(dir, 'graph.jsonl');
  fs.writeFileSync(file, [...sampleProfiles(opts.companies + 600)].map((p) => JSON.stringify(p)).join('\n'));
  await importProfiles(db.knex, file, { batchSize: 2000 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    DATABASE_URL: db.url, PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'warn', HUBSPOT_API_BASE_URL: emu.url,
    HUBSPOT_AUTHORIZE_URL: `${emu.url}/oauth/authorize`, HUBSPOT_CLIENT_ID: emu.clientId, HUBSPOT_CLIENT_SECRET: emu.clientSecret,
    KUSTIQ_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`, KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'),
  });
  const log = createLogger('warn');
  const services = installServices(config, db.knex, log);
  let worker: Worker | null = null;
  if (opts.worker) {
    worker = await startWorker(db.url, log, { maintenanceSeconds: 10 });
    await registerAllJobs(worker, services, { schedules: false, tokens: false, icp: false });
    services.boss = worker.boss;
  }
  const http = createHttpServer({ config, knex: db.knex, log, install: services });
  const server = await new Promise<Server>((r) => { const s = http.listen(port, '127.0.0.1', () => r(s)); });
  const browser = new Browser(url);
  await browser.go('/oauth/install?purpose=login');
  // Metered, as in production: the ledger's cost is part of what is measured.
  for (const w of await db.knex('workspaces').select('id')) await grantCredits(db.knex, { workspaceId: w.id, credits: 10_000_000, reason: 'benchmark portal' });
  return {
    emu, admin: new EmulatorAdmin(emu.url), db, services, url, browser, worker,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await worker?.stop();
      await db.close();
      await emu.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? 0;
