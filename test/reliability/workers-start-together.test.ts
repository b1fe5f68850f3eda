import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';
import { testKey } from '../support/backend';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** Scaling out on a new database: workers started at the same moment all come up (pg-boss's queue creation once deadlocked). */
describe('three workers started together on a new database', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db?.drop(); });

  it('all keep running', async () => {
    const env = { ...process.env, DATABASE_URL: db.url, KUSTIQ_ENV: 'development', HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'secret', KUSTIQ_ENCRYPTION_KEYS: testKey(), LOG_LEVEL: 'info' };
    const workers = [1, 2, 3].map(() => {
      const child = spawn(process.execPath, [KUSTIQ_BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const out = { child, stderr: '' };
      child.stderr!.on('data', (d) => { out.stderr += d; });
      return out;
    });
    try {
      for (const end = Date.now() + 60_000; Date.now() < end && !workers.every((w) => w.stderr.includes('worker started') && /"queue":"webhook-deliver"|webhook dispatcher|registered/.test(w.stderr) || w.child.exitCode !== null);) {
        await new Promise((r) => setTimeout(r, 200));
      }
      // Every queue exists once, and every worker is still up a while after registering.
      await new Promise((r) => setTimeout(r, 3000));
      for (const w of workers) expect(w.child.exitCode, w.stderr.slice(-2000)).toBeNull();
      const queues = (await db.knex.raw(`SELECT name FROM pgboss.queue ORDER BY name`)).rows.map((r: { name: string }) => r.name);
      expect(queues).toEqual(expect.arrayContaining(['portal-sync', 'record-sync', 'webhook-deliver']));
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
    }
  }, 90_000);
});
