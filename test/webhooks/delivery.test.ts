import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldError } from '../../server/errors/field-error';
import { startSync } from '../../server/worker/sync-jobs';
import { deliverBatch } from '../../server/webhooks/deliver';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { httpSender } from '../../server/webhooks/http-sender';
import { sendTestEvent } from '../../server/webhooks/webhook-admin';
import { deliveryBody, signBody } from '../../server/webhooks/signing';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { SeedReceiver } from '../support/receiver';

/** Outbound webhooks end to end: the outbox, the delivery workers, and a receiver running the seed's own verifier. */
describe('outbound webhooks', () => {
  const fx = useBackend({ companies: 40, contacts: 60 }, { KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' }, { worker: true });
  let b: ReturnType<typeof fx.browser>;
  let csrf: string;
  let receiver: SeedReceiver;
  let secret: string;
  let workspaceId: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await b.go(path, { method, headers: { 'x-kustiq-csrf': csrf, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: r.res.status, json: JSON.parse(r.body) };
  };
  const settled = async () => {
    for (let i = 0; i < 300; i++) {
      const pending = Number((await fx.db.knex('webhook_deliveries').where({ status: 'pending' }).count('* as n').first())!.n);
      if (!pending) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('deliveries did not settle');
  };

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 600);
    b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    workspaceId = (await fx.db.knex('workspaces').first()).id;
    secret = (await api('POST', '/api/webhooks/secret')).json.secret;
    receiver = await SeedReceiver.start(secret);
  });
  afterAll(async () => { await receiver?.stop(); });

  it('the seed\'s verifier accepts every delivery of a first sync: one event per record written, in the same transaction', async () => {
    const created = await api('POST', '/api/webhooks/endpoints', { url: receiver.url });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(secret).toMatch(/^kqwh_/);
    // Secrets are stored encrypted, never in the clear.
    expect(JSON.stringify(await fx.db.knex('webhook_secrets').first())).not.toContain(secret);
    const run = await (async () => {
      const id = await startSync(fx.services.boss!, fx.services, fx.emu.portalId);
      for (let i = 0; ; i++) {
        const r = await fx.db.knex('sync_runs').where({ id }).first();
        if (['succeeded', 'failed'].includes(r.status)) return r;
        if (i > 600) throw new Error(`run ${r.status}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    expect(run.status).toBe('succeeded');
    await settled();
    const events = await fx.db.knex('webhook_events').select('id', 'type', 'object_id', 'properties', 'profile_id');
    expect(events.filter((e) => e.type === 'company.enriched')).toHaveLength(run.counts.companiesWritten);
    expect(events.filter((e) => e.type === 'contact.enriched')).toHaveLength(run.counts.contactsWritten);
    // Each event carries the values written to HubSpot.
    const company = events.find((e) => e.type === 'company.enriched')!;
    const rec = await fx.admin.call<{ properties: Record<string, string> }>('GET', `/portals/${fx.emu.portalId}/objects/companies/${company.object_id}`);
    expect(company.properties.kustiq_profile_id).toBe(rec.properties.kustiq_profile_id);
    expect(company.profile_id).toBe(rec.properties.kustiq_profile_id);
    const log = await receiver.log();
    expect(log.every((l) => l.ok && l.status === 200)).toBe(true);
    expect(new Set(log.map((l) => l.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(await fx.db.knex('webhook_deliveries').whereNot({ status: 'delivered' }).count('* as n').first()).toEqual({ n: '0' });
  });

  it('the verifier refuses a tampered body, a wrong secret and a stale timestamp', async () => {
    const d = await fx.db.knex('webhook_deliveries').where({ status: 'delivered' }).first();
    const event = JSON.parse(d.last_body);
    const fresh = JSON.stringify({ ...event, timestamp: Math.floor(Date.now() / 1000) });
    expect(await receiver.post(fresh, signBody(secret, fresh))).toBe(200);
    // Re-encoded (a space added, as a JSON round trip may do) or altered: refused.
    expect(await receiver.post(fresh.replace('"portalId":', '"portalId": '), signBody(secret, fresh))).toBe(401);
    expect(await receiver.post(fresh.replace(/"timestamp":(\d+)/, (_m, t: string) => `"timestamp":${Number(t) + 1}`), signBody(secret, fresh))).toBe(401);
    expect(await receiver.post(fresh, signBody('kqwh_not-the-secret', fresh))).toBe(401);
    const stale = JSON.stringify({ ...event, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(await receiver.post(stale, signBody(secret, stale))).toBe(401);
    // Ours are re-signed with a fresh timestamp each attempt, so a redelivery days later still verifies.
    expect(deliveryBody({ ...event, portalId: event.portalId }, new Date())).toContain(`"timestamp":${Math.floor(Date.now() / 1000)}`);
  });

  it('retries on the seed\'s schedule and drops the event after 24 hours (a controllable clock, no waiting)', async () => {
    const ep = await saveEndpoint(fx.db.knex, workspaceId, { url: 'http://127.0.0.1:9/down', eventTypes: ['company.enriched'] }, { allowPrivate: true });
    await fx.db.knex('webhook_endpoints').whereNot({ id: ep.id }).update({ enabled: false });
    await sendTestEvent(fx.db.knex, undefined, workspaceId, { rateLimit: false });
    const delivery = await fx.db.knex('webhook_deliveries').where({ endpoint_id: ep.id }).first();
    const t0 = new Date(delivery.created_at);
    let clock = t0;
    const seen: { at: number; status: string; next: number | null }[] = [];
    const sends: string[] = [];
    const deps = { knex: fx.db.knex, keyring: fx.services.keyring, log: fx.services.log, now: () => clock, send: async (_u: string, body: string) => { sends.push(body); return { status: 503, error: null, latencyMs: 3 }; } };
    for (let i = 0; i < 10; i++) {
      const [o] = await deliverBatch(deps, [delivery.id]);
      const row = await fx.db.knex('webhook_deliveries').where({ id: delivery.id }).first();
      seen.push({ at: (clock.getTime() - t0.getTime()) / 60_000, status: row.status, next: o!.nextAttemptAt ? (o!.nextAttemptAt.getTime() - t0.getTime()) / 60_000 : null });
      if (row.status !== 'pending') break;
      clock = new Date(row.next_attempt_at);
    }
    expect(seen.map((s) => s.at)).toEqual([0, 1, 6, 36, 156, 876]);
    expect(seen.at(-1)!.status).toBe('dropped');
    // Same event id on every attempt, a fresh timestamp each time.
    expect(new Set(sends.map((s) => JSON.parse(s).id)).size).toBe(1);
    expect(new Set(sends.map((s) => JSON.parse(s).timestamp)).size).toBe(6);
    expect(await fx.db.knex('webhook_attempts').where({ delivery_id: delivery.id }).count('* as n').first()).toEqual({ n: '6' });
    const dead = await fx.db.knex('webhook_dead_letters').where({ delivery_id: delivery.id }).first();
    expect(dead.reason).toContain('undelivered 24 hours');
    expect(fx.logs.join('')).toContain('webhook delivery dropped (dead-letter log)');
    // Not due yet: a second job for the same delivery does nothing.
    await fx.db.knex('webhook_deliveries').where({ id: delivery.id }).update({ status: 'pending', next_attempt_at: new Date(Date.now() + 60_000) });
    expect((await deliverBatch({ ...deps, now: () => new Date() }, [delivery.id]))[0]!.outcome).toBe('skipped');
    await fx.db.knex('webhook_endpoints').where({ id: ep.id }).delete();
    await fx.db.knex('webhook_endpoints').update({ enabled: true });
  });

  it('a disabled endpoint\'s pending deliveries wait and go out once it is enabled again', async () => {
    const ep = await saveEndpoint(fx.db.knex, workspaceId, { url: 'http://127.0.0.1:9/paused', eventTypes: ['company.enriched'] }, { allowPrivate: true });
    await fx.db.knex('webhook_endpoints').whereNot({ id: ep.id }).update({ enabled: false });
    await sendTestEvent(fx.db.knex, undefined, workspaceId, { rateLimit: false });
    await fx.db.knex('webhook_endpoints').where({ id: ep.id }).update({ enabled: false });
    const d = await fx.db.knex('webhook_deliveries').where({ endpoint_id: ep.id }).first();
    const sent: string[] = [];
    let clock = new Date(d.created_at);
    const deps = { knex: fx.db.knex, keyring: fx.services.keyring, log: fx.services.log, now: () => clock, send: async (url: string) => { sent.push(url); return { status: 200, error: null, latencyMs: 1 }; } };
    const [held] = await deliverBatch(deps, [d.id]);
    expect(held).toMatchObject({ outcome: 'retry' });
    expect(held!.nextAttemptAt!.getTime() - clock.getTime()).toBe(5 * 60_000);
    expect(sent).toEqual([]);
    expect(await fx.db.knex('webhook_deliveries').where({ id: d.id }).first()).toMatchObject({ status: 'pending', attempts: 0 });
    await fx.db.knex('webhook_endpoints').where({ id: ep.id }).update({ enabled: true });
    clock = held!.nextAttemptAt!;
    expect((await deliverBatch(deps, [d.id]))[0]).toMatchObject({ outcome: 'delivered' });
    expect(sent).toEqual(['http://127.0.0.1:9/paused']);
    await fx.db.knex('webhook_endpoints').where({ id: ep.id }).delete();
    await fx.db.knex('webhook_endpoints').update({ enabled: true });
  });

  it('the endpoints API names what is wrong: a field, or the body as a whole', async () => {
    const badUrl = await api('POST', '/api/webhooks/endpoints', { url: 'ftp://example.com/hook' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.json.error.fields[0].field).toBe('url');
    const notAnObject = await api('POST', '/api/webhooks/endpoints', ['https://example.com/hook']);
    expect(notAnObject.status).toBe(400);
    expect(notAnObject.json.error.fields).toEqual([{ field: '(body)', problem: expect.any(String) }]);
  });

  it('refuses private targets unless allowed: when saving, and on every attempt (after DNS)', async () => {
    await expect(saveEndpoint(fx.db.knex, workspaceId, { url: 'http://10.0.0.8/hook' }, { allowPrivate: false })).rejects.toThrow(FieldError);
    await expect(saveEndpoint(fx.db.knex, workspaceId, { url: 'http://localhost:9/hook' }, { allowPrivate: false })).rejects.toThrow(/loopback/);
    // An endpoint saved while allowed, attempted by a worker that is not: refused, nothing sent.
    await sendTestEvent(fx.db.knex, undefined, workspaceId, { rateLimit: false });
    const d = await fx.db.knex('webhook_deliveries').where({ status: 'pending' }).first();
    const before = (await receiver.log()).length;
    const [o] = await deliverBatch({ knex: fx.db.knex, keyring: fx.services.keyring, log: fx.services.log, send: httpSender({ allowPrivate: false }) }, [d.id]);
    expect(o!.outcome).toBe('refused');
    expect((await fx.db.knex('webhook_dead_letters').where({ delivery_id: d.id }).first()).reason).toMatch(/non-public address.*loopback/);
    expect((await receiver.log()).length).toBe(before);
  });

  it('secret rotation: a receiver that updates its secret within the grace period loses nothing', async () => {
    const rotated = (await api('POST', '/api/webhooks/secret')).json;
    expect(rotated.secret).not.toBe(secret);
    expect(new Date(rotated.previousValidUntil).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    // The receiver still has the old secret: deliveries keep coming, signed with it.
    const first = await api('POST', '/api/webhooks/test');
    await settled();
    const log1 = await receiver.log();
    expect(log1.filter((l) => l.id === first.json.eventId)).toEqual([{ id: first.json.eventId, ok: true, status: 200 }]);
    // The receiver switches to the new secret (a restart with new configuration).
    await receiver.restart(rotated.secret);
    const second = await api('POST', '/api/webhooks/test');
    await settled();
    const d2 = await fx.db.knex('webhook_deliveries').where({ event_id: second.json.eventId }).first();
    expect(d2).toMatchObject({ status: 'delivered', last_secret: 'current' });
    const log2 = await receiver.log();
    expect(log2.filter((l) => l.id === second.json.eventId).map((l) => l.status)).toEqual([401, 200]);
    expect((await fx.db.knex('webhook_endpoints').first()).signing).toBe('current');
    // From now on, straight to the new secret.
    const third = await api('POST', '/api/webhooks/test');
    await settled();
    expect((await receiver.log()).filter((l) => l.id === third.json.eventId).map((l) => l.status)).toEqual([200]);
    // After the grace period the old secret is gone.
    await fx.db.knex('webhook_secrets').update({ previous_until: new Date(Date.now() - 1000) });
    await receiver.restart(secret);
    const fourth = await api('POST', '/api/webhooks/test');
    await settled();
    expect((await receiver.log()).filter((l) => l.id === fourth.json.eventId).map((l) => l.status)).toEqual([401]);
    expect(await fx.db.knex('webhook_deliveries').where({ event_id: fourth.json.eventId }).first()).toMatchObject({ status: 'failed', last_status: 401 });
    await receiver.restart(rotated.secret);
    secret = rotated.secret;
  });

  it('a 5xx is retried by the workers; "Redeliver" sends a settled event again with the same id', async () => {
    await receiver.control({ failNext: 1, failStatus: 503 });
    const t = await api('POST', '/api/webhooks/test');
    for (let i = 0; i < 100; i++) {
      const d = await fx.db.knex('webhook_deliveries').where({ event_id: t.json.eventId }).first();
      if (d?.attempts === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const d = await fx.db.knex('webhook_deliveries').where({ event_id: t.json.eventId }).first();
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_status: 503 });
    const wait = new Date(d.next_attempt_at).getTime() - Date.now();
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    // The retry job waits in pg-boss for its minute.
    const job = await fx.db.knex.raw(`SELECT start_after FROM pgboss.job WHERE name = 'webhook-deliver' AND data->>'deliveryId' = ? AND state = 'created'`, [d.id]);
    expect(Math.abs(new Date(job.rows[0].start_after).getTime() - new Date(d.next_attempt_at).getTime())).toBeLessThan(2000);
    const delivered = await fx.db.knex('webhook_deliveries').where({ status: 'delivered' }).first();
    const seenBefore = (await receiver.log()).filter((l) => l.id === delivered.event_id).length;
    const again = await api('POST', `/api/webhooks/deliveries/${delivered.id}/redeliver`);
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    for (let i = 0; i < 100 && (await fx.db.knex('webhook_deliveries').where({ id: delivered.id }).first()).attempts === delivered.attempts; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await fx.db.knex('webhook_deliveries').where({ id: delivered.id }).first()).toMatchObject({ status: 'delivered', attempts: delivered.attempts + 1 });
    const ids = (await receiver.log()).filter((l) => l.id === delivered.event_id);
    expect(ids.length).toBe(seenBefore + 1);
    expect(ids.at(-1)).toMatchObject({ ok: true, status: 200 });
    expect((await api('POST', `/api/webhooks/deliveries/${d.id}/redeliver`)).json.error.fields[0]).toMatchObject({ field: 'deliveryId' });
  });
});
