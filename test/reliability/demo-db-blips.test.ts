import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * `kustiq demo` through database blips: every Postgres connection of its database is
 * terminated twice while the first sync writes. The process stays up, the run resumes from
 * its checkpoint, and every enriched company reaches the webhook receiver.
 */
describe('the demo while its database connections are terminated', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase({ migrate: false }); });
  afterAll(async () => { await db?.drop(); });

  const batches = async () => {
    try {
      return Number((await db.knex('sync_batches').count('* as n').first())!.n);
    } catch { return 0; } // before the demo migrated
  };
  const terminateAll = async () => (await db.knex.raw(
    `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  )).rows[0].n as string;

  it('exits 0 with the sync done and every enriched company delivered', async () => {
    const child = spawn(process.execPath, [KUSTIQ_BIN, 'demo', '--once', '--json', '--companies', '20000', '--contacts', '0'], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const until = async (what: string, cond: () => Promise<boolean>) => {
      for (const end = Date.now() + 400_000; Date.now() < end;) {
        if (await cond()) return;
        if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}) before ${what}: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await until('the first sync to write 20 batches', async () => (await batches()) >= 20);
    const first = await terminateAll();
    await until('the first sync to write 20 more batches', async () => (await batches()) >= 40);
    const second = await terminateAll();
    expect(Number(first)).toBeGreaterThan(0);
    expect(Number(second)).toBeGreaterThan(0);
    const code = await exited;
    expect(code, stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.stages).toMatchObject({ install: 'done', sync: 'done', webhooks: 'done' });
    expect(report.companies.enriched).toBeGreaterThan(18_000);
    // HubSpot holds exactly what the report calls enriched, and the receiver verified one event per company.
    expect(report.hubspot.verified.companies).toBe(report.companies.enriched);
    expect(report.hubspot.http429).toBe(0);
    expect(report.webhooks).toMatchObject({ delivered: report.companies.enriched, failed: 0, retrying: 0 });
    // At least once: a delivery whose record was cut off by a terminated connection is sent again (same event id).
    expect(report.webhooks.verifiedByReceiver).toBeGreaterThanOrEqual(report.companies.enriched);
    expect(report.webhooks.verifiedByReceiver).toBeLessThan(report.companies.enriched * 1.01);
  }, 900_000);
});
