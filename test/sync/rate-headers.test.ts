import { beforeAll, describe, expect, it } from 'vitest';
import { RateBudget } from '../../server/hubspot/rate-budget';
import { startSync } from '../../server/worker/sync-jobs';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { waitForRun } from '../support/runs';

describe('X-HubSpot-RateLimit headers', () => {
  it('a tighter announced limit (count or rate) replaces the configured one for that portal only; a looser one never loosens it', () => {
    const b = new RateBudget(null as never, { general: { limit: 110, windowMs: 10_300, marginMs: 300 }, search: { limit: 5, windowMs: 1_060, marginMs: 60 } });
    expect(b.observe(1, 'general', { 'x-hubspot-ratelimit-max': '110', 'x-hubspot-ratelimit-interval-milliseconds': '10000' })).toBeNull();
    expect(b.observe(1, 'general', { 'x-hubspot-ratelimit-max': '190', 'x-hubspot-ratelimit-interval-milliseconds': '10000' })).toBeNull();
    expect(b.limitFor(1, 'general')).toMatchObject({ limit: 110, windowMs: 10_300 });
    expect(b.observe(1, 'general', { 'x-hubspot-ratelimit-max': '50', 'x-hubspot-ratelimit-interval-milliseconds': '10000' })).toMatchObject({ limit: 50, windowMs: 10_300 });
    expect(b.limitFor(2, 'general')).toMatchObject({ limit: 110 });
    // Same count, shorter window would be looser; same count over a longer window is tighter.
    expect(b.observe(3, 'general', { 'x-hubspot-ratelimit-max': '110', 'x-hubspot-ratelimit-interval-milliseconds': '20000' })).toMatchObject({ limit: 110, windowMs: 20_300 });
    expect(b.observe(1, 'general', {})).toBeNull();
    expect(b.limitFor(1, 'general')).toMatchObject({ limit: 50 });
  });

  describe('a portal HubSpot holds to less than the configured 110 per 10 s', () => {
    const fx = useBackend({ companies: 2500, contacts: 0 }, {}, { worker: true, emulatorProcess: true });

    beforeAll(async () => {
      await loadSampleGraph(fx.db.knex, 2600);
      await fx.browser().go('/oauth/install?purpose=login');
      await fx.admin.settings({ rateLimit: { max: 8, windowMs: 2000 } });
      // The install's own requests leave HubSpot's (now 2-second) window first.
      await new Promise((r) => setTimeout(r, 2500));
    });

    it('is synced at the announced limit from its first response on, with no 429', async () => {
      await fx.admin.clearRequests();
      const run = await waitForRun(fx.db.knex, await startSync(fx.services.boss!, fx.services, fx.emu.portalId));
      expect(run.status, run.error_detail).toBe('succeeded');
      expect(run.counts.companiesWritten).toBeGreaterThan(2000);
      const log = await fx.admin.requests(fx.emu.portalId);
      expect(log.http429).toBe(0);
      expect(run.http429).toBe(0);
      expect(fx.logs.join('')).toContain('HubSpot announced a tighter rate limit');
    });
  });
});
