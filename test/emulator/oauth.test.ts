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
