import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../server/db/database';
import { RateBudget } from '../../server/hubspot/rate-budget';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('the per-portal request budget in Postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('never hands out more than the limit in any window, across processes sharing the database', async () => {
    const limits = { general: { limit: 5, windowMs: 10_000 }, search: { limit: 2, windowMs: 1_000 } };
    // Two "workers" with their own connection pools.
    const other = createKnex(db.url);
    try {
      const a = new RateBudget(db.knex, limits);
      const b = new RateBudget(other, limits);
      const started = Date.now();
      const dues = await Promise.all(Array.from({ length: 23 }, (_, i) => (i % 2 ? a : b).reserve(7, 'general').then((wait) => Date.now() + wait - started)));
      dues.sort((x, y) => x - y);
      // The first five go at once, then five per window.
      expect(dues.filter((d) => d < 1000).length).toBe(5);
      for (let i = 0; i + 5 < dues.length; i++) expect(dues[i + 5]! - dues[i]!).toBeGreaterThanOrEqual(10_000 - 250);
      expect(dues[22]!).toBeGreaterThanOrEqual(40_000 - 250);
      // Another portal, and the search bucket, have budgets of their own.
      expect(await a.reserve(8, 'general')).toBe(0);
      expect(await a.reserve(7, 'search')).toBe(0);
    } finally {
      await other.destroy();
    }
  });

  it('a 429 from HubSpot spends the window for every worker', async () => {
    const budget = new RateBudget(db.knex, { general: { limit: 10, windowMs: 10_000 }, search: { limit: 5, windowMs: 1_000 } });
    expect(await budget.reserve(9, 'general')).toBe(0);
    await budget.exhaust(9, 'general', 3_000);
    const wait = await budget.reserve(9, 'general');
    expect(wait).toBeGreaterThan(2_800);
    expect(wait).toBeLessThanOrEqual(3_000);
  });
});
