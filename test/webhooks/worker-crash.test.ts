import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { WEBHOOK_QUEUE } from '../../server/webhooks/outbox';
import { sendTestEvent } from '../../server/webhooks/webhook-admin';
import { rotateSecret } from '../../server/webhooks/webhook-secrets';
import { useProcessStack } from '../support/processes';
import { SeedReceiver } from '../support/receiver';

/**
 * A real `kustiq worker` killed with SIGKILL while its deliveries are in flight (the
 * receiver takes 4 s to answer): another worker delivers every event. The receiver may see
 * an event twice (the killed worker's request may have arrived), never zero times. The
 * survivor takes the dead one's jobs back as soon as its heartbeat stops.
 */
describe('a delivery worker killed mid-flight', () => {
  const st = useProcessStack({ companies: 5, contacts: 0, graph: 50, env: { KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true', KUSTIQ_JOB_MAINTENANCE_SECONDS: '1' } });
  let receiver: SeedReceiver;
  beforeAll(async () => {
    await st.install();
  });
  afterAll(async () => { await receiver?.stop(); });

  it('loses no event', async () => {
    const ws = (await st.db.knex('workspaces').first()).id;
    const { secret } = await rotateSecret(st.db.knex, st.services.keyring, ws);
    receiver = await SeedReceiver.start(secret);
    await receiver.control({ delayMs: 4000 });
    await saveEndpoint(st.db.knex, ws, { url: receiver.url, maxConcurrency: 8 }, { allowPrivate: true });
    const first = st.startWorker();
    await st.until('the worker to create its queues', async () => (await st.db.knex.raw('SELECT 1 FROM pgboss.queue WHERE name = ?', [WEBHOOK_QUEUE])).rows.length > 0);
    const events: string[] = [];
    for (let i = 0; i < 20; i++) events.push((await sendTestEvent(st.db.knex, st.sender.boss, ws, { rateLimit: false })).eventId);
    await st.until('deliveries in flight', async () => Number((await st.db.knex.raw(`SELECT count(*) AS n FROM pgboss.job WHERE name = ? AND state = 'active'`, [WEBHOOK_QUEUE])).rows[0].n) >= 8);
    first.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => first.once('exit', r));
    expect(await st.db.knex('webhook_deliveries').where({ status: 'delivered' }).count('* as n').first()).toEqual({ n: '0' });
    await receiver.control({ delayMs: 0 });
    st.startWorker();
    await st.until('every delivery to be delivered', async () => Number((await st.db.knex('webhook_deliveries').where({ status: 'delivered' }).count('* as n').first())!.n) === 20, 120_000);
    // Taken back once the dead dispatcher fell silent (seconds), not when pg-boss expired its jobs
    // (30 s) and their claims lapsed (30 s more).
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    const got = new Set((await receiver.log()).filter((l) => l.ok && l.status === 200).map((l) => l.id));
    for (const id of events) expect(got.has(id), id).toBe(true);
  });
});
