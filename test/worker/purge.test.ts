import { afterAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../server/log';
import { registerAllJobs } from '../../server/worker/all-jobs';
import { BATCH_ROWS, PURGE_QUEUE, PURGE_SCHEDULE, purgeExpired } from '../../server/worker/purge-jobs';
import { startWorker, type Worker } from '../../server/worker/worker';
import { useBackend } from '../support/backend';

/**
 * The hourly purge: every table anyone can grow loses its rows past their retention (the
 * table in purge-jobs.ts and docs/operations.md), in batches, and keeps the live ones.
 */
describe('the purge job', () => {
  const fx = useBackend({ portalId: 25_600_001 });
  let worker: Worker | undefined;
  afterAll(async () => { await worker?.stop(); });

  const DAY = 86_400_000;
  const ago = (ms: number) => new Date(Date.now() - ms);
  const count = async (table: string, where: Record<string, unknown> = {}) => Number((await fx.db.knex(table).where(where).count<{ n: string }[]>('* as n'))[0]!.n);

  it('deletes what is past its retention, in batches, and keeps the rest', async () => {
    const k = fx.db.knex;
    const [ws] = await k('workspaces').insert({ name: 'Purge' }).returning('id');
    const [conn] = await k('hubspot_connections').insert({ workspace_id: ws.id, portal_id: '25600009', status: 'connected' }).returning('id');
    const [user] = await k('users').insert({ workspace_id: ws.id, hubspot_user_id: '1', email: 'u@x.example' }).returning('id');

    // oauth_states: more expired ones than one batch holds (an attacker's GET /oauth/install flood), and live ones.
    const expiredStates = BATCH_ROWS * 2 + 17;
    await k.raw(`INSERT INTO oauth_states (state_hash, browser_hash, purpose, expires_at) SELECT 'old' || g, 'b', 'login', now() - interval '1 minute' FROM generate_series(1, ?) g`, [expiredStates]);
    await k('oauth_states').insert([{ state_hash: 'live1', browser_hash: 'b', purpose: 'login', expires_at: new Date(Date.now() + 600_000) }, { state_hash: 'live2', browser_hash: 'b', purpose: 'connect', workspace_id: ws.id, expires_at: new Date(Date.now() + 60_000) }]);
    // sessions
    await k('sessions').insert([
      { id_hash: 'expired', user_id: user.id, workspace_id: ws.id, expires_at: ago(1000) },
      { id_hash: 'live', user_id: user.id, workspace_id: ws.id, expires_at: new Date(Date.now() + DAY) },
    ]);
    // hubspot_events: processed 8 days ago (gone), processed yesterday (kept), unprocessed 8 days (kept), unprocessed 31 days (gone).
    const ev = (id: number, receivedAgo: number, processed: boolean) => ({ event_id: id, portal_id: 25600009, object_type: 'companies', object_id: String(id), subscription_type: 'object.creation', occurred_at: Date.now(), received_at: ago(receivedAgo), processed_at: processed ? ago(receivedAgo - 1000) : null });
    await k('hubspot_events').insert([ev(1, 8 * DAY, true), ev(2, DAY, true), ev(3, 8 * DAY, false), ev(4, 31 * DAY, false)]);
    // webhook events with their deliveries and attempts: old and done (gone, with them), old with one pending (kept), recent (kept).
    const [endpoint] = await k('webhook_endpoints').insert({ workspace_id: ws.id, url: 'https://receiver.example/hook', event_types: ['company.enriched'] }).returning('id');
    const event = async (createdAgo: number, status: string) => {
      const [e] = await k('webhook_events').insert({ workspace_id: ws.id, type: 'company.enriched', created_at: ago(createdAgo) }).returning('id');
      const [d] = await k('webhook_deliveries').insert({ event_id: e.id, endpoint_id: endpoint.id, status, attempts: 1, created_at: ago(createdAgo) }).returning('id');
      await k('webhook_attempts').insert({ delivery_id: d.id, attempt: 1, at: ago(createdAgo), status: 200, latency_ms: 12 });
      return e.id as string;
    };
    const oldDone = await event(31 * DAY, 'delivered');
    const oldDropped = await event(40 * DAY, 'dropped');
    const oldPending = await event(31 * DAY, 'pending');
    const recent = await event(2 * DAY, 'delivered');
    // record_syncs ("Sync now"): 31 days (gone), yesterday (kept).
    await k('record_syncs').insert([
      { connection_id: conn.id, object_type: 'companies', record_id: '1', status: 'succeeded', created_at: ago(31 * DAY) },
      { connection_id: conn.id, object_type: 'companies', record_id: '2', status: 'succeeded', created_at: ago(DAY) },
    ]);
    // sync runs: the batch log of a run finished 91 days ago goes (the run stays), a recent run's stays.
    const [oldRun] = await k('sync_runs').insert({ connection_id: conn.id, kind: 'full', status: 'succeeded', finished_at: ago(91 * DAY) }).returning('id');
    const [newRun] = await k('sync_runs').insert({ connection_id: conn.id, kind: 'nightly', status: 'succeeded', finished_at: ago(10 * DAY) }).returning('id');
    for (const run of [oldRun.id, newRun.id]) await k('sync_batches').insert([1, 2, 3].map((seq) => ({ run_id: run, seq, object_type: 'companies', status: 'written', records: 100, written: 100, ms: 5 })));

    const out = await purgeExpired(k);
    expect(out).toEqual({ oauthStates: expiredStates, sessions: 1, hubspotEvents: 2, webhookEvents: 2, recordSyncs: 1, syncBatches: 3 });

    expect((await k('oauth_states').orderBy('state_hash').pluck('state_hash'))).toEqual(['live1', 'live2']);
    expect(await k('sessions').pluck('id_hash')).toEqual(['live']);
    expect((await k('hubspot_events').orderBy('event_id').pluck('event_id')).map(Number)).toEqual([2, 3]);
    expect((await k('webhook_events').pluck('id')).sort()).toEqual([oldPending, recent].sort());
    for (const gone of [oldDone, oldDropped]) expect(await count('webhook_deliveries', { event_id: gone })).toBe(0);
    expect(await count('webhook_deliveries')).toBe(2);
    expect(await count('webhook_attempts')).toBe(2);
    expect(await k('record_syncs').pluck('record_id')).toEqual(['2']);
    expect(await count('sync_runs')).toBe(2);
    expect(await count('sync_batches', { run_id: oldRun.id })).toBe(0);
    expect(await count('sync_batches', { run_id: newRun.id })).toBe(3);

    // Nothing left to purge: a second run deletes nothing.
    expect(Object.values(await purgeExpired(k)).every((n) => n === 0)).toBe(true);
  });

  it('runs hourly on pg-boss, registered with the other schedules, and purges when its job runs', async () => {
    const log = createLogger('warn', new Writable({ write(_c, _e, cb) { cb(); } }));
    worker = await startWorker(fx.db.url, log);
    await registerAllJobs(worker, fx.services, { schedules: true });
    const schedules = await worker.boss.getSchedules();
    expect(schedules.find((x) => x.name === PURGE_QUEUE)).toMatchObject({ cron: PURGE_SCHEDULE });
    expect(PURGE_SCHEDULE).toBe('23 * * * *');

    await fx.db.knex('oauth_states').insert({ state_hash: 'expired-for-the-job', browser_hash: 'b', purpose: 'login', expires_at: ago(1000) });
    await worker.boss.send(PURGE_QUEUE, {});
    await expect.poll(() => count('oauth_states', { state_hash: 'expired-for-the-job' }), { timeout: 20_000, interval: 250 }).toBe(0);
  });
});
