import { describe, expect, it } from 'vitest';
import { KUSTIQ_REQUIRED_SCOPES, oauthConnect } from '../../emulator/client';
import { useEmulator } from '../support/emulator';

const REDIRECT = 'http://localhost:3000/oauth/callback';

async function authorize(url: string, clientId: string, extra: Record<string, string> = {}) {
  const u = new URL('/oauth/authorize', url);
  u.search = new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, scope: KUSTIQ_REQUIRED_SCOPES.join(' '), optional_scope: 'crm.schemas.contacts.write crm.lists.read', state: 's-123', ...extra }).toString();
  const res = await fetch(u, { redirect: 'manual' });
  return { status: res.status, location: new URL(res.headers.get('location') ?? 'http://x/') };
}

async function token(url: string, path: string, form: Record<string, string>) {
  const res = await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: await res.json() as any };
}

describe('OAuth in the local HubSpot', () => {
  const fx = useEmulator({ companies: 3 });
  const app = () => ({ client_id: fx.emu.clientId, client_secret: fx.emu.clientSecret });

  it('consents at once and redirects with code and state, granting required and optional scopes', async () => {
    const a = await authorize(fx.emu.url, fx.emu.clientId);
    expect(a.status).toBe(302);
    expect(a.location.origin + a.location.pathname).toBe(REDIRECT);
    expect(a.location.searchParams.get('state')).toBe('s-123');
    const code = a.location.searchParams.get('code')!;
    const t = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'authorization_code', ...app(), redirect_uri: REDIRECT, code });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ token_type: 'bearer', expires_in: 1800, hub_id: fx.emu.portalId });
    expect(t.body.scopes).toEqual(expect.arrayContaining([...KUSTIQ_REQUIRED_SCOPES, 'crm.schemas.contacts.write', 'crm.lists.read']));
    // A code is single-use.
    const replay = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'authorization_code', ...app(), redirect_uri: REDIRECT, code });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_AUTH_CODE' });
  });

  it('withholds scopes on demand and redirects with error when consent fails', async () => {
    await fx.admin.settings({ nextGrant: { withhold: ['crm.schemas.contacts.write'] } });
    const t = await oauthConnect(fx.emu.url, fx.emu);
    expect(t.scopes).not.toContain('crm.schemas.contacts.write');
    await fx.admin.settings({ nextGrant: { withhold: ['crm.objects.companies.write'] } });
    const denied = await authorize(fx.emu.url, fx.emu.clientId);
    expect(denied.location.searchParams.get('error')).toBe('invalid_scope');
    expect(denied.location.searchParams.get('error_description')).toMatch(/crm\.objects\.companies\.write/);
    await fx.admin.settings({ nextGrant: { withhold: [], error: 'access_denied', errorDescription: 'User cancelled' } });
    const cancelled = await authorize(fx.emu.url, fx.emu.clientId);
    expect(cancelled.location.searchParams.get('error')).toBe('access_denied');
    expect(cancelled.location.searchParams.get('state')).toBe('s-123');
  });

  it('refreshes on v1 and 2026-03, and answers invalid_grant in each shape', async () => {
    const v1 = await token(fx.emu.url, '/oauth/v1/token', { grant_type: 'refresh_token', ...app(), refresh_token: fx.token.refresh_token });
    expect(v1.status).toBe(200);
    expect(v1.body.refresh_token).toBe(fx.token.refresh_token);
    expect(v1.body.access_token).not.toBe(fx.token.access_token);
    const bad1 = await token(fx.emu.url, '/oauth/v1/token', { grant_type: 'refresh_token', ...app(), refresh_token: 'na1-nope' });
    expect(bad1.status).toBe(400);
    expect(bad1.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' });
    const bad3 = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'refresh_token', ...app(), refresh_token: 'na1-nope' });
    expect(bad3.body).toMatchObject({ error: 'invalid_grant', error_description: 'missing or unknown refresh token' });
    const wrongSecret = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: fx.emu.clientId, client_secret: 'x', refresh_token: fx.token.refresh_token });
    expect(wrongSecret.body.error).toBe('invalid_client');
  });

  it('introspects access and refresh tokens (v1 paths and 2026-03 introspect)', async () => {
    const r = await fetch(new URL(`/oauth/v1/access-tokens/${fx.token.access_token}`, fx.emu.url));
    const info = await r.json() as any;
    expect(info).toMatchObject({ hub_id: fx.emu.portalId, token_type: 'access', user: 'admin@portal.example' });
    expect(info.expires_in).toBeGreaterThan(1700);
    const rt = await (await fetch(new URL(`/oauth/v1/refresh-tokens/${fx.token.refresh_token}`, fx.emu.url))).json() as any;
    expect(rt).toMatchObject({ hub_id: fx.emu.portalId, client_id: fx.emu.clientId });
    const v3 = await token(fx.emu.url, '/oauth/2026-03/token/introspect', { ...app(), token: fx.token.refresh_token, token_type_hint: 'refresh_token' });
    expect(v3.body).toMatchObject({ active: true, token_use: 'refresh_token' });
  });

  it('2026-03 introspection: a live access token\u2019s fields; {active:false} and nothing else for a dead or foreign one', async () => {
    const introspect = (tok: string, hint = 'access_token', creds = app()) => token(fx.emu.url, '/oauth/2026-03/token/introspect', { ...creds, token: tok, token_type_hint: hint });
    const t = await oauthConnect(fx.emu.url, fx.emu);
    const live = await introspect(t.access_token);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({
      active: true, token_use: 'access_token', token_type: 'access', client_id: fx.emu.clientId, hub_id: fx.emu.portalId,
      user_id: 7_000_001, user: 'admin@portal.example', app_id: expect.any(Number), is_private_distribution: false,
    });
    expect(live.body.scopes).toEqual(expect.arrayContaining([...KUSTIQ_REQUIRED_SCOPES]));
    expect(live.body.expires_in).toBeGreaterThan(1700);
    // The hint is only a hint (RFC 7662): a refresh token is found under the access hint.
    expect((await introspect(t.refresh_token)).body).toMatchObject({ active: true, token_use: 'refresh_token' });

    expect(await introspect('CO-unknown')).toEqual({ status: 200, body: { active: false } });
    // Expired.
    await fx.admin.settings({ clockAdvanceMs: 1801 * 1000 });
    expect((await introspect(t.access_token)).body).toEqual({ active: false });
    await fx.admin.settings({ clockAdvanceMs: -1801 * 1000 });
    // Revoked on its own.
    const u = await oauthConnect(fx.emu.url, fx.emu);
    await token(fx.emu.url, '/oauth/2026-03/token/revoke', { ...app(), token: u.access_token, token_type_hint: 'access_token' });
    expect((await introspect(u.access_token)).body).toEqual({ active: false });
    expect((await introspect(u.refresh_token, 'refresh_token')).body).toMatchObject({ active: true });
    // Every token of the portal revoked, and an uninstall.
    const v = await oauthConnect(fx.emu.url, fx.emu);
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/revoke-tokens`);
    expect((await introspect(v.access_token)).body).toEqual({ active: false });
    expect((await introspect(v.refresh_token, 'refresh_token')).body).toEqual({ active: false });
    const w = await oauthConnect(fx.emu.url, fx.emu);
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/uninstall`);
    expect((await introspect(w.access_token)).body).toEqual({ active: false });
    // Wrong client credentials are refused outright, not answered inactive.
    const refused = await introspect(t.access_token, 'access_token', { client_id: fx.emu.clientId, client_secret: 'wrong' });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    fx.token = await oauthConnect(fx.emu.url, fx.emu); // installed again, a live token for the tests below
  });

  it('starts an install itself, as the marketplace\u2019s install button does: the app\u2019s scopes, and no state', async () => {
    const start = new URL(`/_emulator/apps/${fx.emu.clientId}/install`, fx.emu.url);
    start.searchParams.set('redirect_uri', REDIRECT);
    const res = await fetch(start, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const authorize = new URL(res.headers.get('location')!);
    expect(authorize.pathname).toBe('/oauth/authorize');
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual([...KUSTIQ_REQUIRED_SCOPES]);
    expect(authorize.searchParams.get('optional_scope')).toBe('crm.schemas.contacts.write crm.lists.read');
    expect(authorize.searchParams.has('state')).toBe(false);
    const cb = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(cb.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect([...callback.searchParams.keys()]).toEqual(['code']);
    const t = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'authorization_code', ...app(), redirect_uri: REDIRECT, code: callback.searchParams.get('code')! });
    expect(t.body).toMatchObject({ hub_id: fx.emu.portalId });

    // Into another portal: /oauth/{portalId}/authorize.
    const other = await fx.admin.call<{ portalId: number }>('POST', '/portals', {});
    start.searchParams.set('portalId', String(other.portalId));
    const res2 = await fetch(start, { redirect: 'manual' });
    expect(new URL(res2.headers.get('location')!).pathname).toBe(`/oauth/${other.portalId}/authorize`);
    start.searchParams.delete('redirect_uri');
    expect((await fetch(start, { redirect: 'manual' })).status).toBe(400);
  });

  it('expires access tokens after 30 minutes with HubSpot\u2019s 401', async () => {
    const t = await oauthConnect(fx.emu.url, fx.emu);
    expect((await fx.api('GET', '/crm/v3/objects/companies', undefined, t.access_token)).status).toBe(200);
    await fx.admin.settings({ clockAdvanceMs: 1800 * 1000 + 5000 });
    const expired = await fx.api('GET', '/crm/v3/objects/companies', undefined, t.access_token);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ category: 'EXPIRED_AUTHENTICATION' });
    expect(expired.body.message).toMatch(/expired \d+ second\(s\) ago/);
    await fx.admin.settings({ clockAdvanceMs: -(1800 * 1000 + 5000) });
  });

  it('revokes: a revoked refresh token gets invalid_grant; uninstall kills every token', async () => {
    const t = await oauthConnect(fx.emu.url, fx.emu);
    const del = await fetch(new URL(`/oauth/v1/refresh-tokens/${t.refresh_token}`, fx.emu.url), { method: 'DELETE' });
    expect(del.status).toBe(204);
    const after = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'refresh_token', ...app(), refresh_token: t.refresh_token });
    expect(after.body.error).toBe('invalid_grant');

    const u = await oauthConnect(fx.emu.url, fx.emu);
    const un = await fx.api('DELETE', '/appinstalls/v3/external-install', undefined, u.access_token);
    expect(un.status).toBe(204);
    expect((await fx.api('GET', '/crm/v3/objects/companies', undefined, u.access_token)).status).toBe(401);
    const refresh = await token(fx.emu.url, '/oauth/2026-03/token', { grant_type: 'refresh_token', ...app(), refresh_token: u.refresh_token });
    expect(refresh.body.error).toBe('invalid_grant');
  });
});
