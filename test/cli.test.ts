import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUSTIQ_BIN, spawnEmulator } from '../bench/spawn-emulator';
import { migrationSource } from '../server/db/migrations/index';
import { createTestDatabase } from './support/db';

function kustiq(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [KUSTIQ_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the kustiq command', () => {
  it('prints help and exits 0; bad usage exits 2', () => {
    const help = kustiq(['--help']);
    expect(help.status).toBe(0);
    for (const cmd of ['start', 'web', 'worker', 'migrate', 'emulator', 'demo', 'bench']) expect(help.stdout).toContain(cmd);
    expect(kustiq(['no-such-command']).status).toBe(2);
    const badPort = kustiq(['emulator', '--port', 'abc']);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be a whole number/);
    const badBench = kustiq(['bench', 'nope', '--json']);
    expect(badBench.status).toBe(2);
    expect(JSON.parse(badBench.stdout).error.message).toMatch(/unknown bench "nope"/);
  });

  it('exits 1 naming every bad environment variable', () => {
    const r = kustiq(['migrate', '--json'], { DATABASE_URL: 'mysql://x', PORT: 'abc' });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.variables.map((v: { variable: string }) => v.variable).sort()).toEqual(['DATABASE_URL', 'PORT']);
  });

  it('migrate --json applies migrations to DATABASE_URL and prints one JSON document', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const r = kustiq(['migrate', '--json'], { DATABASE_URL: db.url });
      expect(r.status, r.stderr).toBe(0);
      // Every migration, in order (the list in server/db/migrations/index.ts, which starts with the workspaces).
      const all = await migrationSource.getMigrations([]);
      expect(all[0]).toBe('001_workspaces');
      expect(JSON.parse(r.stdout)).toMatchObject({ applied: all, embedded: false });
      const again = JSON.parse(kustiq(['migrate', '--json'], { DATABASE_URL: db.url }).stdout);
      expect(again.applied).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('emulator --json prints its ready line, serves HubSpot and stops on SIGTERM', async () => {
    const emu = await spawnEmulator(['--companies', '3', '--client-id', 'my-client', '--client-secret', 'my-secret']);
    try {
      expect(Object.keys(emu).filter((k) => ['url', 'portalId', 'clientId', 'clientSecret'].includes(k)).sort()).toEqual(['clientId', 'clientSecret', 'portalId', 'url']);
      expect(emu.clientId).toBe('my-client');
      const admin = await (await fetch(`${emu.url}/_emulator/portals/${emu.portalId}`)).json() as { companies: number };
      expect(admin.companies).toBe(3);
    } finally {
      await emu.stop();
    }
    expect(emu.child.exitCode).toBe(0);
  });

  it('demo --once --json connects the demo portal over OAuth, creates the schema, runs the first sync and reports it as interfaces.md says', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-demo-'));
      const child = spawn(process.execPath, [KUSTIQ_BIN, 'demo', '--once', '--json', '--companies', '20', '--contacts', '10'], { env: { ...process.env, DATABASE_URL: db.url, KUSTIQ_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const code = await new Promise((r) => child.on('exit', r));
      expect(code).toBe(0);
      const report = JSON.parse(out);
      expect(report).toMatchObject({
        database: 'DATABASE_URL', companies: { total: 20 }, contacts: { total: 10 }, properties: { company: 33, contact: 4 }, schemaProblems: [],
        stages: { database: 'done', emulator: 'done', install: 'done', schema: 'done', match: 'done', sync: 'done' },
        hubspot: { http429: 0 }, webhooks: { failed: 0, retrying: 0 },
      });
      // A signed webhook per enriched record, each verified by the demo's local receiver.
      expect(report.webhooks.delivered).toBe(report.companies.enriched + report.contacts.enriched);
      expect(report.webhooks.verifiedByReceiver).toBe(report.webhooks.delivered);
      expect(report.stages.webhooks).toBe('done');
      const c = report.companies;
      expect(c.matched + c.review + c.unmatched + c.skipped).toBe(20);
      expect(c.matched).toBeGreaterThan(15);
      // Every match was written; contacts of matched companies too.
      expect(c.enriched).toBe(c.matched);
      expect(report.contacts.enriched).toBeGreaterThan(0);
      expect(report.contacts.enriched).toBeLessThanOrEqual(10);
      expect(report.hubspot.requests).toBeGreaterThan(0);
      expect(typeof report.wallMs).toBe('number');
      // The demo's secrets stay in its data dir, readable by the owner only.
      expect(fs.statSync(path.join(dataDir, 'demo-secrets.json')).mode & 0o077).toBe(0);
      expect(typeof report.portalId).toBe('number');
    } finally {
      await db.drop();
    }
  });
});
