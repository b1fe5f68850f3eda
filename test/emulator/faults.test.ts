import { describe, expect, it } from 'vitest';
import { oauthConnect } from '../../emulator/client';
import { useEmulator } from '../support/emulator';

describe('faults on demand in the local HubSpot', () => {
  const fx = useEmulator({ companies: 20 });
  const portal = () => fx.emu.portalId;
  const list = () => fx.api('GET', '/crm/v3/objects/companies?limit=1');

  it('answers a burst of 5xx, then recovers', async () => {
    await fx.admin.fault(portal(), { kind: 'http5xx', status: 502, count: 2 });
    expect((await list()).status).toBe(502);
    expect((await list()).status).toBe(502);
    expect((await list()).status).toBe(200);
  });

  it('storms 429 with HubSpot bodies, only on the chosen endpoint', async () => {
    await fx.admin.fault(portal(), { kind: 'http429', count: 3, pathPrefix: '/crm/v3/objects/companies/batch/update' });
    expect((await list()).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await fx.api('POST', '/crm/v3/objects/companies/batch/update', { inputs: [] });
      expect(r.status).toBe(429);
      expect(r.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    }
    expect((await fx.api('POST', '/crm/v3/objects/companies/batch/update', { inputs: [] })).status).toBe(200);
  });

  it('answers 423 Locked', async () => {
    await fx.admin.fault(portal(), { kind: 'http423', count: 1 });
    const r = await list();
    expect(r.status).toBe(423);
    expect(r.body.category).toBe('LOCKED');
  });

  it('drops the connection without an answer', async () => {
    await fx.admin.fault(portal(), { kind: 'drop', count: 1 });
    await expect(list()).rejects.toThrow(/fetch failed|socket|other side closed/i);
    expect((await list()).status).toBe(200);
  });

  it('adds latency', async () => {
    await fx.admin.fault(portal(), { kind: 'latency', latencyMs: 300, count: 1 });
    const t = performance.now();
    expect((await list()).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
  });

  it('refuses writes on a trial-paused portal but still serves reads', async () => {
    await fx.admin.call('PATCH', `/portals/${portal()}`, { paused: true });
    expect((await list()).status).toBe(200);
    expect((await fx.api('POST', '/crm/v3/objects/companies/search', { limit: 1 })).status).toBe(200);
    const w = await fx.api('PATCH', '/crm/v3/objects/companies/1000001', { properties: { city: 'Paused' } });
    expect(w.status).toBe(403);
    expect(w.body.subCategory).toMatch(/PORTAL_WRITE_LOCKED/);
    await fx.admin.call('PATCH', `/portals/${portal()}`, { paused: false });
    expect((await fx.api('PATCH', '/crm/v3/objects/companies/1000001', { properties: { city: 'Open' } })).status).toBe(200);
  });

  it('removes scopes: calls needing them get 403 MISSING_SCOPES at once', async () => {
    const t = await oauthConnect(fx.emu.url, fx.emu);
    await fx.admin.call('POST', `/portals/${portal()}/scopes/remove`, { scopes: ['crm.objects.contacts.read'] });
    const r = await fx.api('GET', '/crm/v3/objects/contacts', undefined, t.access_token);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['crm.objects.contacts.read'] } }] });
    expect((await fx.api('GET', '/crm/v3/objects/companies', undefined, t.access_token)).status).toBe(200);
  });

  it('revokes every token of the portal', async () => {
    const t = await oauthConnect(fx.emu.url, fx.emu);
    await fx.admin.call('POST', `/portals/${portal()}/revoke-tokens`);
    expect((await fx.api('GET', '/crm/v3/objects/companies', undefined, t.access_token)).status).toBe(401);
    const refresh = await fetch(new URL('/oauth/2026-03/token', fx.emu.url), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: fx.emu.clientId, client_secret: fx.emu.clientSecret, refresh_token: t.refresh_token }),
    });
    expect((await refresh.json() as any).error).toBe('invalid_grant');
  });
});
