import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importProfiles } from '../../server/profiles/import-profiles';
import { createTestDatabase, type TestDatabase } from '../support/db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-import-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

describe('profiles import into Postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('upserts by id, and records when a profile\u2019s values last changed', async () => {
    const v1 = file('v1.csv', 'id,name,domain,aliases,industry,tech_stack,sample\np1,Walmart Inc.,https://www.walmart.com/,Wal-Mart Stores,retail,aws; stripe,true\np2,Apple,apple.com,,software,,\n');
    expect(await importProfiles(db.knex, v1)).toEqual({ rows: 2, inserted: 2, updated: 0, unchanged: 0, rejected: 0 });
    const p1 = await db.knex('profiles').where({ id: 'p1' }).first();
    expect(p1).toMatchObject({ name: 'Walmart Inc.', domain: 'walmart.com', aliases: ['Wal-Mart Stores'], name_key: 'walmart', values: { industry: 'retail', tech_stack: 'aws;stripe' }, sample: true });
    const before = (await db.knex('profiles').select('id', 'values_changed_at')).reduce((m, r) => ({ ...m, [r.id]: r.values_changed_at.getTime() }), {} as Record<string, number>);
    await new Promise((r) => setTimeout(r, 20));
    const v2 = file('v2.jsonl', [
      { id: 'p1', name: 'Walmart Inc.', domain: 'walmart.com', aliases: 'Wal-Mart Stores', industry: 'retail', tech_stack: 'aws;stripe', sample: 'true' },
      { id: 'p2', name: 'Apple', domain: 'apple.com', industry: 'internet' },
      { id: 'p3', name: 'Meta', domain: 'meta.com', aliases: 'Facebook' },
    ].map((r) => JSON.stringify(r)).join('\n'));
    expect(await importProfiles(db.knex, v2)).toEqual({ rows: 3, inserted: 1, updated: 1, unchanged: 1, rejected: 0 });
    const after = await db.knex('profiles').select('id', 'values_changed_at');
    const at = Object.fromEntries(after.map((r) => [r.id, r.values_changed_at.getTime()]));
    expect(at.p1).toBe(before.p1);
    expect(at.p2).toBeGreaterThan(before.p2!);
    // "Which profiles changed since T" (T just after the first import; timestamps carry microseconds).
    const changedSince = await db.knex('profiles').where('values_changed_at', '>', new Date(Math.max(...(Object.values(before) as number[])) + 1)).pluck('id');
    expect(changedSince.sort()).toEqual(['p2', 'p3']);
  });

  it('by default a file with bad rows changes nothing and lists every problem', async () => {
    const bad = file('bad.csv', 'id,name,domain,headcount_band\np1,Walmart CHANGED,walmart.com,10001_plus\np9,,nine.com,\np10,Ten,ten.com,huge\n');
    const err = await importProfiles(db.knex, bad).catch((e) => e);
    expect(err.problems).toEqual([`${bad}:3: name: required`, `${bad}:4: headcount_band: "huge" is not one of 1_10, 11_50, 51_200, 201_500, 501_1000, 1001_5000, 5001_10000, 10001_plus`]);
    expect((await db.knex('profiles').where({ id: 'p1' }).first()).name).toBe('Walmart Inc.');
    expect(await db.knex('profiles').whereIn('id', ['p9', 'p10']).count('* as c').first()).toEqual({ c: '0' });
  });

  it('with a rejects file, imports the good rows and writes the bad ones with their problems', async () => {
    const bad = file('bad2.csv', 'id,name,domain\np20,Twenty,twenty.com\np21,Twenty One,not a domain\np20,Twenty again,twenty.com\n');
    const rejects = path.join(dir, 'rejects.jsonl');
    expect(await importProfiles(db.knex, bad, { rejectsFile: rejects })).toMatchObject({ rows: 3, inserted: 1, rejected: 2 });
    const lines = fs.readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.problems[0].field])).toEqual([[3, 'domain'], [4, 'id']]);
  });

  it('streams a large file in batches', async () => {
    const rows = ['id,name,domain'];
    for (let i = 0; i < 25_000; i++) rows.push(`big-${i},Company ${i},company${i}.com`);
    const big = file('big.csv', `${rows.join('\n')}\n`);
    const progress: number[] = [];
    const t = await importProfiles(db.knex, big, { onProgress: (n) => progress.push(n) });
    expect(t).toMatchObject({ rows: 25_000, inserted: 25_000 });
    expect(progress.length).toBeGreaterThan(20);
  });
});
