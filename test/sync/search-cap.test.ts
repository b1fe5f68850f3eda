import { beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../../server/worker/sync-jobs';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { waitForRun } from '../support/runs';

/** HubSpot's search stops at 10,000 results a query: the sync windows on hs_object_id instead. */
describe('a portal past the search cap', () => {
  const N = 10_450;
  const fx = useBackend({ companies: N, contacts: 0 }, {}, { worker: true, emulatorProcess: true });

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, N + 100);
    await fx.browser().go('/oauth/install?purpose=login');
  });

  it('reads every company (one search page per 200) and writes every match', async () => {
    await fx.admin.clearRequests();
    const run = await waitForRun(fx.db.knex, await startSync(fx.services.boss!, fx.services, fx.emu.portalId));
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.counts.companiesRead).toBe(N);
    const matched = Number((await fx.db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n);
    expect(Number((await fx.db.knex('company_matches').count('* as n').first())!.n)).toBe(N);
    expect(run.counts.companiesWritten).toBe(matched);
    const log = await fx.admin.requests(fx.emu.portalId);
    const searches = log.entries.filter((e) => e.path.endsWith('/companies/search'));
    expect(searches.every((e) => e.status === 200)).toBe(true);
    // Windowed pages: ⌈N/200⌉ of them, none refused for passing 10,000 (and slices re-read at most a few).
    expect(searches.length).toBeGreaterThanOrEqual(Math.ceil(N / 200));
    expect(searches.length).toBeLessThanOrEqual(Math.ceil(N / 200) + 3);
    expect(log.http429).toBe(0);
  });
});
