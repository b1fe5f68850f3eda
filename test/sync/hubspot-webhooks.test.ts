import { beforeAll, describe, expect, it } from 'vitest';
import { signV3 } from '../../server/hubspot/signature';
import { EVENTS_PER_RUN, HUBSPOT_EVENTS_QUEUE, queueEventsRun } from '../../server/worker/event-jobs';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';

/** HubSpot's webhooks: a new company in HubSpot is enriched within seconds, through the real queue. */
describe('HubSpot webhooks', () => {
  const fx = useBackend({ companies: 30, contacts: 0 }, {}, { worker: true, emulatorProcess: true });
  type Rec = { id: string; properties: Record<string, string | undefined> };

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 700);
    await fx.browser().go('/oauth/install?purpose=login');
    await fx.admin.call('PATCH', `/apps/${fx.emu.clientId}`, { webhookTargetUrl: `${fx.url}/hubspot/webhooks` });
  });

  it('a company created in HubSpot gets its kustiq_* values without anyone asking', async () => {
    const created = await fx.admin.call<Rec>('POST', `/portals/${fx.emu.portalId}/objects/companies`, { properties: { name: 'Alphabet Inc.', domain: 'abc.xyz' } });
    let rec: Rec | undefined;
    for (let i = 0; i < 200; i++) {
      rec = await fx.admin.call<Rec>('GET', `/portals/${fx.emu.portalId}/objects/companies/${created.id}`);
      if (rec.properties.kustiq_profile_id) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rec!.properties).toMatchObject({ kustiq_match_method: 'domain', kustiq_industry: 'internet' });
    // Kustiq's own write came back as events? They are not HubSpot changes to act on.
    const events = await fx.db.knex('hubspot_events').where({ object_id: created.id }).select('subscription_type', 'change_source');
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.change_source !== 'INTEGRATION')).toBe(true);
    const syncs = await fx.db.knex('record_syncs').where({ record_id: created.id });
    expect(syncs.length).toBe(1);
  });

  it('refuses unsigned, tampered and stale deliveries, and drops a redelivered event', async () => {
    // Sent to where the backend listens, signed over PUBLIC_URL + the path, as HubSpot signs its targetUrl.
    const url = `${fx.url}/hubspot/webhooks`;
    const signed = `${fx.publicUrl}/hubspot/webhooks`;
    const body = JSON.stringify([{ eventId: 990001, subscriptionId: 1, portalId: fx.emu.portalId, appId: 1, occurredAt: Date.now(), subscriptionType: 'object.propertyChange', attemptNumber: 0, objectId: 1, objectTypeId: '0-2', changeSource: 'CRM_UI', propertyName: 'name', propertyValue: 'x' }]);
    const send = (b: string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const ts = String(Date.now());
    const sig = signV3(fx.emu.clientSecret, 'POST', signed, body, ts);
    expect((await send(body, {})).status).toBe(401);
    expect((await send(body.replace('"x"', '"y"'), { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts })).status).toBe(401);
    const old = String(Date.now() - 6 * 60_000);
    const stale = await send(body, { 'x-hubspot-signature-v3': signV3(fx.emu.clientSecret, 'POST', signed, body, old), 'x-hubspot-request-timestamp': old });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('ERR_WEBHOOK_STALE');
    const ok = await send(body, { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts });
    expect(ok.status).toBe(200);
    const again = await send(body, { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts });
    expect(again.status).toBe(200);
    expect(await fx.db.knex('hubspot_events').where({ event_id: 990001 }).count('* as n').first()).toEqual({ n: '1' });
  });

  const processed = async (where: Record<string, unknown>) => {
    for (let i = 0; i < 150; i++) {
      const left = Number((await fx.db.knex('hubspot_events').where(where).whereNull('processed_at').count('* as n').first())!.n);
      if (!left) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  const event = (eventId: number, objectId: number) => ({
    event_id: eventId, portal_id: fx.emu.portalId, object_type: 'companies', object_id: String(objectId), subscription_type: 'object.propertyChange',
    property_name: 'name', occurred_at: Date.now(), change_source: 'CRM_UI',
  });

  it('events stored by a delivery that then failed to queue its job are read when HubSpot redelivers them', async () => {
    // Nothing else in flight that would read it anyway.
    for (let i = 0; i < 100 && (await fx.services.boss!.getQueueSize(HUBSPOT_EVENTS_QUEUE, { before: 'completed' })) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await fx.services.boss!.getQueueSize(HUBSPOT_EVENTS_QUEUE, { before: 'completed' })).toBe(0);
    // The first attempt stored the event and died before queueing (HubSpot got no 200 and retries).
    await fx.db.knex('hubspot_events').insert(event(990101, 424242));
    const url = `${fx.url}/hubspot/webhooks`;
    const signed = `${fx.publicUrl}/hubspot/webhooks`;
    const body = JSON.stringify([{ eventId: 990101, subscriptionId: 1, portalId: fx.emu.portalId, appId: 1, occurredAt: Date.now(), subscriptionType: 'object.propertyChange', attemptNumber: 1, objectId: 424242, objectTypeId: '0-2', changeSource: 'CRM_UI', propertyName: 'name', propertyValue: 'x' }]);
    const ts = String(Date.now());
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(fx.emu.clientSecret, 'POST', signed, body, ts), 'x-hubspot-request-timestamp': ts }, body });
    expect(res.status).toBe(200);
    expect(await processed({ event_id: 990101 })).toBe(true);
    expect(await fx.db.knex('record_syncs').where({ record_id: '424242' }).count('* as n').first()).toEqual({ n: '1' });
  });

  it(`more events waiting than one run reads (${EVENTS_PER_RUN}): the runs follow each other until none is left`, async () => {
    const rows = Array.from({ length: EVENTS_PER_RUN + 1 }, (_, i) => event(991000 + i, 434343));
    for (let at = 0; at < rows.length; at += 1000) await fx.db.knex('hubspot_events').insert(rows.slice(at, at + 1000));
    await queueEventsRun(fx.services.boss!, fx.emu.portalId);
    expect(await processed({ object_id: '434343' })).toBe(true);
  });
});
