import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { sendTestEvent } from '../../server/webhooks/webhook-admin';
import { rotateSecret } from '../../server/webhooks/webhook-secrets';
import { registerWebhookJobs } from '../../server/worker/webhook-jobs';
import { startWorker, type Worker } from '../../server/worker/worker';
import { useBackend } from '../support/backend';

/** Each endpoint within its own concurrency limit; a slow receiver never holds up a fast one. */
describe('webhook endpoints sharing the workers', () => {
  const fx = useBackend({ companies: 1, contacts: 0 }, { KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' });
  let worker: Worker;
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const arrived = new Map<string, number[]>();

  beforeAll(async () => {
    worker = await startWorker(fx.db.url, fx.services.log);
    fx.services.boss = worker.boss;
    // Receivers stood in by a sender: "slow" answers after 1.5 s, "fast" at once.
    await registerWebhookJobs(worker, fx.services, {
      send: async (url) => {
        const key = new URL(url).hostname;
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        peak.set(key, Math.max(peak.get(key) ?? 0, inFlight.get(key)!));
        if (key === 'slow.example') await new Promise((r) => setTimeout(r, 1500));
        inFlight.set(key, inFlight.get(key)! - 1);
        arrived.set(key, [...(arrived.get(key) ?? []), Date.now()]);
        return { status: 200, error: null, latencyMs: key === 'slow.example' ? 1500 : 1 };
      },
    });
  });
  afterAll(async () => { await worker?.stop(); });

  it('keeps the slow receiver to its limit and delivers the fast one\'s events at once', async () => {
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'Two receivers' }).returning('id');
    await rotateSecret(fx.db.knex, fx.services.keyring, ws.id);
    await saveEndpoint(fx.db.knex, ws.id, { url: 'http://slow.example/hook', maxConcurrency: 2 }, { allowPrivate: true });
    // 40 events for the slow receiver first (it takes 30 s to drain them at 2 at a time)…
    for (let i = 0; i < 40; i++) await sendTestEvent(fx.db.knex, worker.boss, ws.id, { rateLimit: false });
    await new Promise((r) => setTimeout(r, 2000));
    // …then another workspace's fast receiver gets 40 events.
    const [ws2] = await fx.db.knex('workspaces').insert({ name: 'Fast' }).returning('id');
    await rotateSecret(fx.db.knex, fx.services.keyring, ws2.id);
    await saveEndpoint(fx.db.knex, ws2.id, { url: 'http://fast.example/hook', maxConcurrency: 8 }, { allowPrivate: true });
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) await sendTestEvent(fx.db.knex, worker.boss, ws2.id, { rateLimit: false });
    for (let i = 0; i < 100 && (arrived.get('fast.example')?.length ?? 0) < 40; i++) await new Promise((r) => setTimeout(r, 100));
    expect(arrived.get('fast.example')).toHaveLength(40);
    expect(Math.max(...arrived.get('fast.example')!) - t0).toBeLessThan(5000);
    // The slow one is still working through its backlog, never more than 2 at a time.
    expect(arrived.get('slow.example')!.length).toBeLessThan(40);
    expect(peak.get('slow.example')).toBe(2);
    expect(peak.get('fast.example')).toBeLessThanOrEqual(8);
  });
});

/** Two workers share an endpoint's limit: scaling out never sends a receiver more at once than it allows. */
describe('an endpoint\'s limit across workers', () => {
  const fx = useBackend({ companies: 1, contacts: 0 }, { KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' });
  const workers: Worker[] = [];
  const dispatchers: { dispatchers: number }[] = [];
  let inFlight = 0;
  let peak = 0;
  let delivered = 0;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const worker = await startWorker(fx.db.url, fx.services.log);
      workers.push(worker);
      fx.services.boss = worker.boss;
      await registerWebhookJobs(worker, fx.services, {
        // Each worker holds at most 4 jobs, so both have work all along.
        censusMs: 200, capacity: 4,
        send: async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setTimeout(r, 300));
          inFlight--;
          delivered++;
          return { status: 200, error: null, latencyMs: 300 };
        },
      });
    }
    const census = await fx.db.knex('webhook_dispatchers').count<{ n: string }[]>('* as n').first();
    dispatchers.push({ dispatchers: Number(census!.n) });
  });
  afterAll(async () => { for (const w of workers) await w.stop(); });

  it('two workers together stay within the endpoint\'s 4 at a time', async () => {
    expect(dispatchers[0]!.dispatchers).toBe(2);
    await new Promise((r) => setTimeout(r, 500)); // both have counted each other
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'One receiver' }).returning('id');
    await rotateSecret(fx.db.knex, fx.services.keyring, ws.id);
    await saveEndpoint(fx.db.knex, ws.id, { url: 'http://receiver.example/hook', maxConcurrency: 4 }, { allowPrivate: true });
    for (let i = 0; i < 32; i++) await sendTestEvent(fx.db.knex, workers[i % 2]!.boss, ws.id, { rateLimit: false });
    for (let i = 0; i < 200 && delivered < 32; i++) await new Promise((r) => setTimeout(r, 100));
    expect(delivered).toBe(32);
    expect(peak).toBeLessThanOrEqual(4);
    // Both workers delivered (each its share of 2), not one of them alone.
    expect(peak).toBe(4);
  });
});
