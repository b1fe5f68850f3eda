import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverBatch } from '../../server/webhooks/deliver';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { DELIVERY_JOB, WEBHOOK_QUEUE } from '../../server/webhooks/outbox';
import { sendTestEvent } from '../../server/webhooks/webhook-admin';
import { rotateSecret } from '../../server/webhooks/webhook-secrets';
import { registerWebhookJobs, type WebhookDispatcher } from '../../server/worker/webhook-jobs';
import { startWorker, type Worker } from '../../server/worker/worker';
import { useBackend } from '../support/backend';
import { HostileReceivers } from './hostile';

/**
 * Finding 1 of issue 15, the dispatcher: workspace A has as many endpoints as it may, each
 * a hostile receiver (a 256 KB answer, a byte a second, no answer at all) at the highest
 * concurrency, and 10,000 deliveries waiting. Workspace B's events, sent while A's attempts
 * hold their slots for the full 10 s, still arrive within a couple of seconds; A's attempts
 * end within the deadline and give their slots back. Real receivers, the production
 * sender (10 s deadline) and the production dispatcher (400 jobs).
 */
describe('a hostile workspace beside a healthy one', () => {
  const fx = useBackend({ companies: 1, contacts: 0 }, { KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' });
  let worker: Worker;
  let dispatcher: WebhookDispatcher;
  let hostile: HostileReceivers;
  let healthy: HostileReceivers;
  let wsA: string;

  beforeAll(async () => {
    hostile = await HostileReceivers.start();
    healthy = await HostileReceivers.start();
    worker = await startWorker(fx.db.url, fx.services.log);
    fx.services.boss = worker.boss;
    dispatcher = await registerWebhookJobs(worker, fx.services);
  });
  afterAll(async () => {
    await worker?.stop();
    await hostile?.stop();
    await healthy?.stop();
  });

  it('B\'s events arrive within 2 s while A\'s 10 hostile endpoints and 10,000-delivery backlog take everything they are allowed', { timeout: 120_000 }, async () => {
    const knex = fx.db.knex;
    [{ id: wsA }] = await knex('workspaces').insert({ name: 'Hostile' }).returning('id');
    await rotateSecret(knex, fx.services.keyring, wsA);
    const paths = ['/huge', '/drip', '/hang'] as const;
    for (let i = 0; i < 10; i++) await saveEndpoint(knex, wsA, { url: hostile.url(paths[i % 3]!, `?endpoint=${i}`), maxConcurrency: 64 }, { allowPrivate: true });
    // The backlog: 1,000 events to each of the 10 endpoints, queued as the outbox queues them.
    const deliveries: { id: string; endpoint_id: string }[] = (await knex.raw(
      `WITH e AS (INSERT INTO webhook_events (workspace_id, type) SELECT ?, 'test' FROM generate_series(1, 1000) RETURNING id)
       INSERT INTO webhook_deliveries (event_id, endpoint_id, next_attempt_at) SELECT e.id, ep.id, now() FROM e CROSS JOIN webhook_endpoints ep WHERE ep.workspace_id = ? RETURNING id, endpoint_id`,
      [wsA, wsA])).rows;
    expect(deliveries).toHaveLength(10_000);
    for (let i = 0; i < deliveries.length; i += 1000) {
      await worker.boss.insert(deliveries.slice(i, i + 1000).map((d) => ({ name: WEBHOOK_QUEUE, data: { deliveryId: d.id, endpointId: d.endpoint_id, workspaceId: wsA, maxConcurrency: 64 }, ...DELIVERY_JOB })));
    }
    // A's attempts are under way and hold every slot A may take.
    for (let i = 0; i < 100 && (await hostile.stats()).open < 100; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await hostile.stats()).open).toBeGreaterThanOrEqual(100);

    const [{ id: wsB }] = await knex('workspaces').insert({ name: 'Healthy' }).returning('id');
    await rotateSecret(knex, fx.services.keyring, wsB);
    await saveEndpoint(knex, wsB, { url: healthy.url('/ok') }, { allowPrivate: true });
    // One of B's events a second for 12 s: across A's attempts timing out (10 s) and starting again.
    const committed = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const t = Date.now();
      committed.set((await sendTestEvent(knex, worker.boss, wsB, { rateLimit: false })).eventId, t);
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (let i = 0; i < 50 && (await healthy.stats()).arrivals.length < committed.size; i++) await new Promise((r) => setTimeout(r, 100));
    const arrived = new Map((await healthy.stats()).arrivals.map(([id, at]) => [id, at]));
    const late = [...committed].map(([id, t]) => ({ id, ms: arrived.has(id) ? arrived.get(id)! - t : Infinity })).filter((x) => x.ms > 2000);
    expect(late, JSON.stringify(late)).toEqual([]);

    // A's attempts did run (this was a contest), and each ended within its 10 s.
    const a = await knex('webhook_attempts as at').join('webhook_deliveries as d', 'd.id', 'at.delivery_id').join('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id')
      .where('ep.workspace_id', wsA).select(knex.raw('count(*)::int AS n'), knex.raw('max(at.latency_ms) AS max')).first();
    expect(a.n).toBeGreaterThan(100);
    expect(a.max).toBeLessThanOrEqual(10_500);
  });

  it('every one of A\'s attempts ends and gives its slot back: with A\'s endpoints gone, nothing is held and no socket is open', { timeout: 60_000 }, async () => {
    await fx.db.knex('webhook_endpoints').where({ workspace_id: wsA }).delete();
    let load = dispatcher.load();
    for (let i = 0; i < 300 && (load.held > 0 || (await hostile.stats()).open > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      load = dispatcher.load();
    }
    expect(load).toMatchObject({ held: 0, active: 0 });
    expect((await hostile.stats()).open).toBe(0);
  });

  it('a sender that never ends an attempt still gives the batch back: the attempt is given up after its guard and retried', async () => {
    const knex = fx.db.knex;
    const [{ id: ws }] = await knex('workspaces').insert({ name: 'Stuck sender' }).returning('id');
    await rotateSecret(knex, fx.services.keyring, ws);
    await saveEndpoint(knex, ws, { url: 'http://stuck.example/hook' }, { allowPrivate: true });
    const { eventId } = await sendTestEvent(knex, undefined, ws);
    const d = await knex('webhook_deliveries').where({ event_id: eventId }).first();
    const t0 = Date.now();
    const [o] = await deliverBatch({ knex, keyring: fx.services.keyring, log: fx.services.log, send: () => new Promise(() => undefined), attemptGuardMs: 500 }, [d.id]);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(o).toMatchObject({ outcome: 'retry', status: null });
    expect(await knex('webhook_deliveries').where({ id: d.id }).first()).toMatchObject({ status: 'pending', attempts: 1, last_error: 'the attempt did not end within 0.5 s' });
  });
});
