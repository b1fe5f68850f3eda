import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../bench/spawn-emulator';
import { embeddedLocation, freePort } from '../server/db/embedded-postgres';
import { ConfigError, loadConfig } from '../server/config';
import { createTestDatabase } from './support/db';

/**
 * Finding 11 of issue 15: `kustiq start|web|worker` never run production on the demo's
 * settings. Without KUSTIQ_ENV=development they need DATABASE_URL and an https PUBLIC_URL.
 */
const credentials = () => ({
  HUBSPOT_CLIENT_ID: 'client', HUBSPOT_CLIENT_SECRET: 'secret',
  KUSTIQ_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'),
});

/** The parent's environment without anything that would decide the outcome. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('KUSTIQ_') || k.startsWith('HUBSPOT_') || ['DATABASE_URL', 'PUBLIC_URL', 'PORT', 'NODE_ENV'].includes(k)) delete base[k];
  return { ...base, LOG_LEVEL: 'info', ...env };
}

function kustiq(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [KUSTIQ_BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running command, waits for `ready` on stderr, then stops it with SIGTERM; resolves with its exit code. */
async function runUntil(args: string[], env: Record<string, string>, ready: RegExp, check: () => Promise<void> = async () => {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [KUSTIQ_BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${ready} within 60 s:\n${stderr}`)), 60_000);
      child.stderr!.on('data', (c) => {
        stderr += c;
        if (ready.test(stderr)) { clearTimeout(timer); resolve(); }
      });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`exited early (${code}):\n${stderr}`)); });
    });
    await check();
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  return { code: await exited, stderr };
}

describe('production entry points refuse demo settings (KUSTIQ_ENV)', () => {
  it('loadConfig for a deployment names DATABASE_URL and PUBLIC_URL with every other missing variable', () => {
    try {
      loadConfig({}, ['HUBSPOT_CLIENT_ID'], { deployment: true });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'HUBSPOT_CLIENT_ID', 'PUBLIC_URL']);
    }
    const http = () => loadConfig({ DATABASE_URL: 'postgres://db/k', PUBLIC_URL: 'http://app.example.com' }, [], { deployment: true });
    expect(http).toThrow(/PUBLIC_URL: must be an https URL in production/);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/k', PUBLIC_URL: 'https://app.example.com' }, [], { deployment: true }).KUSTIQ_ENV).toBe('production');
    expect(loadConfig({ KUSTIQ_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' }, [], { deployment: true }).KUSTIQ_ENV).toBe('development');
    // Other commands (the demo, migrate, tests) are not deployments.
    expect(loadConfig({}).KUSTIQ_ENV).toBe('production');
    expect(() => loadConfig({ KUSTIQ_ENV: 'staging' })).toThrow(/KUSTIQ_ENV/);
  });

  it('start, web and worker exit 1 without DATABASE_URL and an https PUBLIC_URL, naming every missing variable', () => {
    for (const cmd of ['start', 'web', 'worker']) {
      const bare = kustiq([cmd], {});
      expect(bare.status, `${cmd}: ${bare.stderr}`).toBe(1);
      for (const v of ['DATABASE_URL', 'PUBLIC_URL', 'HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'KUSTIQ_ENCRYPTION_KEYS']) expect(bare.stderr, cmd).toMatch(new RegExp(`^  ${v}: `, 'm'));
      expect(bare.stderr).toMatch(/KUSTIQ_ENV=development/);

      const demoish = kustiq([cmd], { ...credentials(), PUBLIC_URL: 'http://localhost:3000' });
      expect(demoish.status, cmd).toBe(1);
      expect(demoish.stderr).toMatch(/^ {2}DATABASE_URL: is required in production/m);
      expect(demoish.stderr).toMatch(/^ {2}PUBLIC_URL: must be an https URL in production/m);
      expect(demoish.stderr).not.toMatch(/HUBSPOT_CLIENT_ID|KUSTIQ_ENCRYPTION_KEYS/);
      // Refused before anything started.
      expect(demoish.stderr).not.toMatch(/web listening|worker started/);
    }
  });

  it('production starts with DATABASE_URL and an https PUBLIC_URL', async () => {
    const db = await createTestDatabase();
    try {
      const port = await freePort();
      const env = { ...credentials(), DATABASE_URL: db.url, PUBLIC_URL: 'https://app.example.com', PORT: String(port) };
      const web = await runUntil(['start'], env, /web listening/, async () => {
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBeLessThan(500);
      });
      expect(web.code, web.stderr).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('KUSTIQ_ENV=development starts web and worker on the embedded Postgres and a plain-http PUBLIC_URL', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-dev-'));
    const { runtimeDir } = embeddedLocation(dataDir);
    try {
      const port = await freePort();
      const env = { ...credentials(), KUSTIQ_ENV: 'development', KUSTIQ_DATA_DIR: dataDir, PUBLIC_URL: `http://127.0.0.1:${port}`, PORT: String(port) };
      const web = await runUntil(['web'], env, /web listening/, async () => {
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBeLessThan(500);
      });
      expect(web.code, web.stderr).toBe(0);
      const worker = await runUntil(['worker'], env, /worker started/);
      expect(worker.code, worker.stderr).toBe(0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (runtimeDir) fs.rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
});
