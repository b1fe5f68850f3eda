import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importProfiles } from '../../server/profiles/import-profiles';
import { loadProfiles } from '../../server/profiles/load-profiles';
import { MAX_RECORD_BYTES, readRecords } from '../../server/profiles/read-records';
import { createTestDatabase, type TestDatabase } from '../support/db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-import-'));
const file = (name: string, text: string | Buffer) => {
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

  // Finding 13 of issue 15: bytes are decoded strictly, a NUL never reaches Postgres, a record has a size cap.
  describe('text that is not UTF-8, NUL characters and oversized records', () => {
    const latin1 = Buffer.from([0x4d, 0xfc, 0x6e, 0x63, 0x68, 0x65, 0x6e]); // "München" in Latin-1
    const csv = (rows: (string | Buffer)[]) => Buffer.concat(['id,name,domain,industry\n', ...rows].map((r) => (typeof r === 'string' ? Buffer.from(r) : r)));
    const big = 'x'.repeat(MAX_RECORD_BYTES);

    it('CSV: a field that is not UTF-8, a NUL and a record over 64 KB are named by line and field; nothing is imported', async () => {
      const bad = file('encoding.csv', csv([
        'u1,Good One,goodone.com,software\n',
        Buffer.concat([Buffer.from('u2,'), latin1, Buffer.from(' GmbH,muenchen.de,\n')]),
        'u3,Nul\u0000 Corp,nul.com,\n',
        `u4,Huge,huge.com,"${big}"\n`,
        'u5,Fine Five,five.com,\n',
      ]));
      const err = await importProfiles(db.knex, bad).catch((e) => e);
      expect(err.name).toBe('BadRowsError');
      expect(err.problems).toEqual([
        `${bad}:3: name: is not valid UTF-8 (byte 0xFC at byte 2); save the file as UTF-8`,
        `${bad}:4: name: contains a NUL character (U+0000), which Postgres cannot store`,
        `${bad}:5: (record): is larger than 64 KB (65536 bytes), the most one record may hold`,
      ]);
      expect(await db.knex('profiles').whereIn('id', ['u1', 'u2', 'u3', 'u4', 'u5']).count('* as c').first()).toEqual({ c: '0' });
    });

    it('CSV with --rejects: the good rows are imported, the unreadable ones written with their line and field', async () => {
      const bad = file('encoding2.csv', csv([
        'u1,Good One,goodone.com,software\n',
        Buffer.concat([Buffer.from('u2,'), latin1, Buffer.from(' GmbH,muenchen.de,\n')]),
        'u3,Nul\u0000 Corp,nul.com,\n',
        `u4,Huge,huge.com,"${big}\n${big}"\n`,
        'u5,"Fine, Five",five.com,\n',
      ]));
      const rejects = path.join(dir, 'encoding-rejects.jsonl');
      expect(await importProfiles(db.knex, bad, { rejectsFile: rejects })).toMatchObject({ rows: 5, inserted: 2, rejected: 3 });
      expect((await db.knex('profiles').whereIn('id', ['u1', 'u5']).orderBy('id').pluck('name'))).toEqual(['Good One', 'Fine, Five']);
      const lines = fs.readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.line, l.problems.map((p: { field: string }) => p.field)])).toEqual([[3, ['name']], [4, ['name']], [5, ['(record)']]]);
      expect(lines[0].record.name).toBe('M\uFFFDnchen GmbH');
    });

    it('JSONL: invalid UTF-8, a NUL (escaped or raw) and an oversized line are bad rows; a NUL never reaches Postgres', async () => {
      const bad = file('encoding.jsonl', Buffer.concat([
        Buffer.from('{"id":"j1","name":"Jay One","domain":"jayone.com"}\n'),
        Buffer.concat([Buffer.from('{"id":"j2","name":"'), latin1, Buffer.from('","domain":"muenchen.de"}\n')]),
        Buffer.from('{"id":"j3","name":"Nul\\u0000","domain":"nul.com"}\n'),
        Buffer.from('{"id":"j4","name":"Raw\u0000Nul","domain":"raw.com"}\n'),
        Buffer.from(`{"id":"j5","name":"Huge","domain":"huge.com","industry":"${big}"}\n`),
        Buffer.from('{"id":"j6","name":"Broken \\ud800 escape","domain":"six.com"}\n'),
        Buffer.from('{"id":"j7","name":"Seven","domain":"seven.com"}'),
      ]));
      const err = await importProfiles(db.knex, bad).catch((e) => e);
      expect(err.problems).toEqual([
        `${bad}:2: name: is not valid UTF-8 (byte 0xFC at byte 21); save the file as UTF-8`,
        `${bad}:3: name: contains a NUL character (U+0000), which Postgres cannot store`,
        `${bad}:4: name: contains a NUL character (U+0000), which Postgres cannot store`,
        `${bad}:5: (record): is larger than 64 KB (65536 bytes), the most one record may hold`,
        `${bad}:6: name: contains an unpaired UTF-16 surrogate (a broken \\u escape), not valid Unicode`,
      ]);
      const rejects = path.join(dir, 'encoding-rejects2.jsonl');
      expect(await importProfiles(db.knex, bad, { rejectsFile: rejects })).toMatchObject({ rows: 7, inserted: 2, rejected: 5 });
      expect(fs.readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l).line)).toEqual([2, 3, 4, 5, 6]);
      expect(await db.knex('profiles').whereIn('id', ['j1', 'j7']).orderBy('id').pluck('id')).toEqual(['j1', 'j7']);
    });

    it('the offline matcher\u2019s graph and other readers stop at the first unreadable record, never replace it', async () => {
      const bad = file('encoding3.csv', csv([Buffer.concat([Buffer.from('u2,'), latin1, Buffer.from(',muenchen.de,\n')])]));
      await expect(loadProfiles(bad)).rejects.toThrow(`${bad}:2: name: is not valid UTF-8`);
      const read = async () => { for await (const _ of readRecords(bad)) { /* drain */ } };
      await expect(read()).rejects.toThrow(`${bad}:2: name: is not valid UTF-8 (byte 0xFC at byte 2)`);
    });

    it('keeps what was read before: BOM, CRLF, quoted line breaks and commas, valid multi-byte text, blank lines', async () => {
      const good = file('good.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id, name ,domain,aliases\r\ng1,"Zürich ""Re""\r\nAG",zurich.ch,"Z; Zü"\r\n\r\ng2,東京電力,tepco.co.jp,\r\n')]));
      const rows: { line: number; record: Record<string, unknown> }[] = [];
      for await (const r of readRecords(good)) rows.push(r);
      expect(rows).toEqual([
        { line: 2, record: { id: 'g1', name: 'Zürich "Re"\nAG', domain: 'zurich.ch', aliases: 'Z; Zü' } },
        { line: 5, record: { id: 'g2', name: '東京電力', domain: 'tepco.co.jp', aliases: '' } },
      ]);
      const mismatch = file('mismatch.csv', 'id,name,domain\nm1,One,one.com\nm2,Two\n');
      await expect(importProfiles(db.knex, mismatch)).rejects.toThrow(`${mismatch}:3: has 2 field(s), the header has 3`);
      const unclosed = file('unclosed.csv', 'id,name,domain\nm1,"One,one.com\nm2,Two,two.com\n');
      await expect(importProfiles(db.knex, unclosed)).rejects.toThrow(`${unclosed}:2:`);
      const runaway = file('runaway.csv', `id,name,domain\nm1,"One,one.com\n${'m,Two,two.com\n'.repeat(10_000)}`);
      await expect(importProfiles(db.knex, runaway, { rejectsFile: path.join(dir, 'runaway.jsonl') })).rejects.toThrow(`${runaway}:2: a quoted field opened on this line is never closed`);
    });
  });
});
