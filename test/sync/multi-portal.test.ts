import { beforeAll, describe, expect, it } from 'vitest';
import { createRun } from '../../server/sync/portal-sync';
import { SYNC_QUEUE } from '../../server/worker/sync-jobs';
import { queueRecordSync, RECORD_QUEUE } from '../../server/worker/record-jobs';
import { useProcessStack } from '../support/processes';

/**
 * Two `kustiq worker` processes, five portals, full syncs and "Sync now" requests for the
 * same portals at once: every request both workers make for a portal draws from one
 * budget, so HubSpot never answers 429. The local HubSpot's limits are set low (10 per
 * 2 s, search 2 per second) so that the budget, not the workload, sets the pace.
 */
describe('two workers, five portals', () => {
  const portals = [24_000_101, 24_000_102, 24_000_103, 24_000_104, 24_000_105];
  const st = useProcessStack({
    companies: 0, contacts: 0, graph: 900,
    // A wider jitter margin: this machine runs the whole suite in parallel beside these processes.
    env: { KUSTIQ_RATE_GENERAL: '10/2000', KUSTIQ_RATE_SEARCH: '2/1000', KUSTIQ_RATE_MARGIN_MS: '700', KUSTIQ_SYNC_SLICE_MS: '3000' },
    before: (admin) => admin.settings({ rateLimit: { max: 10, windowMs: 2000, searchPerSecond: 2 } }).then(() => undefined),
  });
  beforeAll(async () => {
    for (const portalId of portals) {
      await st.admin.call('POST', '/portals', { portalId, companies: 150, contacts: 0 });
      await st.install(portalId);
    }
    st.startWorker();
    st.startWorker();
  });

  it('syncs every portal with no 429 anywhere', async () => {
    const { db, sender, until } = st;
    expect(Number((await db.knex('hubspot_connections').where({ status: 'connected' }).count('* as n').first())!.n)).toBe(5);
    await until('the workers\' queues', async () => (await db.knex.raw('SELECT count(*)::int AS n FROM pgboss.queue WHERE name = ANY(?)', [[SYNC_QUEUE, RECORD_QUEUE]])).rows[0].n === 2);
    const admin = st.admin;
    await admin.clearRequests();
    const runs: string[] = [];
    for (const portalId of portals) {
      const runId = await createRun(db.knex, portalId);
      runs.push(runId);
      await sender.boss.send(SYNC_QUEUE, { runId, portalId }, { singletonKey: String(portalId) });
      // And reps pressing "Sync now" on the same portal meanwhile: the other worker serves those.
      const conn = await db.knex('hubspot_connections').where({ portal_id: String(portalId) }).first();
      const some = await admin.call<{ results: { id: string }[] }>('GET', `/portals/${portalId}/objects/companies?limit=6`);
      for (const c of some.results) await queueRecordSync(db.knex, sender.boss, conn.id, portalId, 'companies', c.id);
    }
    await until('every run to finish', async () => (await db.knex('sync_runs').whereIn('id', runs).whereIn('status', ['succeeded', 'failed', 'waiting']).count('* as n').first())!.n === '5');
    await until('every record sync to finish', async () => (await db.knex('record_syncs').whereIn('status', ['queued', 'running']).count('* as n').first())!.n === '0');
    const statuses = await db.knex('sync_runs').whereIn('id', runs).pluck('status');
    expect(statuses).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(await db.knex('record_syncs').whereNot({ status: 'succeeded' }).count('* as n').first()).toEqual({ n: '0' });
    const log = await admin.requests();
    if (log.http429) console.log('429s', JSON.stringify(log.entries.filter((e) => e.status === 429)));
    expect(log.http429).toBe(0);
    for (const portalId of portals) {
      const perPortal = await admin.requests(portalId);
      expect(perPortal.total).toBeGreaterThan(10); // more than one window's worth: the budget set the pace
    }
    const written = Number((await db.knex('company_matches').where({ status: 'matched', write_status: 'written' }).count('* as n').first())!.n);
    expect(written).toBe(Number((await db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n));
  });
});
