import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MatchIndex, matchCompany, type MatchResult } from '../../server/matching/matcher';
import { matchBatchInPostgres } from '../../server/matching/pg-matcher';
import { sampleProfiles } from '../../server/samples/profile-graph';
import { labelledSet } from '../../bench/match-labels';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { loadSampleGraph } from '../support/graph';

describe('the matcher against the profile graph in Postgres', () => {
  let db: TestDatabase;
  const graph = [...sampleProfiles(3000)];
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadSampleGraph(db.knex, graph.length);
  });
  afterAll(async () => { await db.drop(); });

  it('agrees with the in-memory matcher on the labelled Fortune 500 rows', async () => {
    const memory = new MatchIndex(graph.map((p) => ({ id: String(p.id), name: String(p.name), domain: String(p.domain), aliases: String(p.aliases).split(';').filter(Boolean) })));
    const rows = labelledSet();
    const results: MatchResult[] = [];
    for (let i = 0; i < rows.length; i += 500) results.push(...(await matchBatchInPostgres(db.knex, rows.slice(i, i + 500))));
    let same = 0;
    rows.forEach((row, i) => {
      const m = matchCompany(memory, row);
      if (m.status === results[i]!.status && m.profileId === results[i]!.profileId) same++;
    });
    expect(same / rows.length).toBeGreaterThan(0.99);
    // And it is right: every matched row is the labelled profile.
    const wrong = rows.filter((row, i) => results[i]!.status === 'matched' && results[i]!.profileId !== row.expect);
    expect(wrong).toEqual([]);
    expect(results.filter((r, i) => rows[i]!.clear && r.status === 'matched').length / rows.filter((r) => r.clear).length).toBeGreaterThan(0.97);
  });

  it('finds misspelt names through pg_trgm and sends them to review, never to a match', async () => {
    const [typo] = await matchBatchInPostgres(db.knex, [{ id: 't', name: 'Berkshyre Hathawey', domain: 'berkshyre.biz' }]);
    const berkshire = graph.find((p) => p.name === 'Berkshire Hathaway')!;
    expect(typo).toMatchObject({ status: 'review', profileId: berkshire.id, method: 'name', reason: 'ERR_MATCH_LOW' });
    expect(typo!.confidence).toBeLessThan(80);
  });

  it('finds former names and keeps generic domains in review', async () => {
    const [fb, gm] = await matchBatchInPostgres(db.knex, [
      { id: 'a', name: 'Facebook, Inc.', domain: 'fb.com' },
      { id: 'b', name: 'Walmart', domain: 'hotmail.com' },
    ]);
    expect(fb).toMatchObject({ status: 'matched', method: 'name' });
    expect(graph.find((p) => p.id === fb!.profileId)!.name).toBe('Meta');
    expect(gm).toMatchObject({ status: 'review', profileId: 'f500-1', reason: 'ERR_MATCH_LOW' });
  });
});

describe('names made only of common words', () => {
  let db: TestDatabase;
  const graph = [...sampleProfiles(1500)];
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadSampleGraph(db.knex, graph.length);
  });
  afterAll(async () => { await db.drop(); });

  it('find their candidates among the profiles carrying both of their rarest words', async () => {
    const target = graph.find((p) => p.id === 'gen-0')!;
    // Every token counts as common here (df > 1), as "Northwind" and "Labs" do in a million-profile graph.
    const [row] = await matchBatchInPostgres(db.knex, [{ id: 'x', name: `${target.name} Europe`, domain: 'northwind-europe.eu' }], undefined, { rareTokenMaxDf: 1 });
    expect(row!.candidates.map((c) => c.profileId)).toContain('gen-0');
    expect(row!.profileId).toBe('gen-0');
    // A name with no profile carrying both words still gets candidates, by spelling.
    const [typo] = await matchBatchInPostgres(db.knex, [{ id: 'y', name: 'Northwind Labz Europe', domain: 'n/a' }], undefined, { rareTokenMaxDf: 1 });
    expect(typo!.status).not.toBe('matched');
  });
});
