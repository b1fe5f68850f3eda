import { beforeAll, describe, expect, it } from 'vitest';
import { signV3 } from '../../server/hubspot/signature';
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
    const url = `${fx.url}/hubspot/webhooks`;
    const body = JSON.stringify([{ eventId: 990001, subscriptionId: 1, portalId: fx.emu.portalId, appId: 1, occurredAt: Date.now(), subscriptionType: 'object.propertyChange', attemptNumber: 0, objectId: 1, objectTypeId: '0-2', changeSource: 'CRM_UI', propertyName: 'name', propertyValue: 'x' }]);
    const send = (b: string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const ts = String(Date.now());
    const sig = signV3(fx.emu.clientSecret, 'POST', url, body, ts);
    expect((await send(body, {})).status).toBe(401);
    expect((await send(body.replace('"x"', '"y"'), { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts })).status).toBe(401);
    const old = String(Date.now() - 6 * 60_000);
    const stale = await send(body, { 'x-hubspot-signature-v3': signV3(fx.emu.clientSecret, 'POST', url, body, old), 'x-hubspot-request-timestamp': old });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('ERR_WEBHOOK_STALE');
    const ok = await send(body, { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts });
    expect(ok.status).toBe(200);
    const again = await send(body, { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts });
    expect(again.status).toBe(200);
    expect(await fx.db.knex('hubspot_events').where({ event_id: 990001 }).count('* as n').first()).toEqual({ n: '1' });
  });
});
