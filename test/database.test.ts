import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/database';
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
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

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
      const pid = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
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
  });
});
