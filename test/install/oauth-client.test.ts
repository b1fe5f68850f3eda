import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { oauthConnect } from '../../emulator/client';
import { KustiqError } from '../../server/errors/codes';
import { HubSpotOAuth, HubSpotOAuthError } from '../../server/hubspot/oauth-client';
import { useEmulator } from '../support/emulator';

describe('HubSpot OAuth client', () => {
  const fx = useEmulator({ companies: 1, dataHostingLocation: 'eu1' });
  const client = (tokenApi: 'v3' | 'v1', baseUrl = fx.emu.url) => new HubSpotOAuth({ baseUrl, clientId: fx.emu.clientId, clientSecret: fx.emu.clientSecret, tokenApi });
  const paths = async () => (await fx.admin.requests()).entries.map((e) => `${e.method} ${e.path}`);
  const revokeAccess = (token: string) => fetch(new URL('/oauth/2026-03/token/revoke', fx.emu.url), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: fx.emu.clientId, client_secret: fx.emu.clientSecret, token, token_type_hint: 'access_token' }),
  });

  for (const api of ['v3', 'v1'] as const) {
    it(`refreshes through ${api === 'v3' ? '/oauth/2026-03/token' : 'the v1 fallback'} and maps invalid_grant to ERR_OAUTH_REVOKED`, async () => {
      await fx.admin.clearRequests();
      const t = await client(api).refresh(fx.token.refresh_token);
      expect(t.expires_in).toBe(1800);
      expect((await fx.admin.requests()).entries.map((e) => e.path)).toContain(api === 'v3' ? '/oauth/2026-03/token' : '/oauth/v1/token');
      const err = await client(api).refresh('na1-not-a-token').catch((e) => e);
      expect(err).toBeInstanceOf(KustiqError);
      expect(err.code).toBe('ERR_OAUTH_REVOKED');
      expect(String(err.message)).not.toContain('na1-not-a-token');
    });
  }

  it('introspects a live token through POST /oauth/2026-03/token/introspect, never the v1 access-tokens endpoint', async () => {
    await fx.admin.clearRequests();
    const info = await client('v3').accessTokenInfo(fx.token.access_token);
    expect(info).toMatchObject({ active: true, hub_id: fx.emu.portalId, user: 'admin@portal.example', user_id: 7_000_001, client_id: fx.emu.clientId, token_use: 'access_token' });
    if (!info.active) throw new Error('unreachable');
    expect(info.scopes).toContain('crm.objects.companies.write');
    expect(info.expires_in).toBeGreaterThan(1700);
    const log = await paths();
    expect(log).toEqual(['POST /oauth/2026-03/token/introspect']);
    // The account's details come through the HubSpot port (its budget): test/install/scopes-and-schema.test.ts.
  });

  it('a revoked, an expired and an unknown token introspect as {active:false}, not as an error', async () => {
    const t = await oauthConnect(fx.emu.url, fx.emu);
    expect(await client('v3').accessTokenInfo(t.access_token)).toMatchObject({ active: true });
    expect((await revokeAccess(t.access_token)).status).toBe(200);
    expect(await client('v3').accessTokenInfo(t.access_token)).toEqual({ active: false });
    expect(await client('v3').accessTokenInfo('CO-not-a-token')).toEqual({ active: false });
    const u = await oauthConnect(fx.emu.url, fx.emu);
    await fx.admin.settings({ clockAdvanceMs: 1801 * 1000 });
    try {
      expect(await client('v3').accessTokenInfo(u.access_token)).toEqual({ active: false });
    } finally {
      await fx.admin.settings({ clockAdvanceMs: -1801 * 1000 });
    }
  });

  it('with HUBSPOT_OAUTH_TOKEN_API=v1, introspects through GET /oauth/v1/access-tokens (404 = inactive)', async () => {
    const t = await oauthConnect(fx.emu.url, fx.emu);
    await fx.admin.clearRequests();
    expect(await client('v1').accessTokenInfo(t.access_token)).toMatchObject({ active: true, hub_id: fx.emu.portalId, user_id: 7_000_001, user: 'admin@portal.example' });
    await revokeAccess(t.access_token);
    expect(await client('v1').accessTokenInfo(t.access_token)).toEqual({ active: false });
    const log = await paths();
    expect(log.filter((p) => p.startsWith('GET /oauth/v1/access-tokens/'))).toHaveLength(2);
    expect(log.some((p) => p.includes('/token/introspect'))).toBe(false);
  });

  it('an introspection answer it does not understand is an error naming the field', async () => {
    let answer: unknown = { active: true, hub_id: 'portal-1', user_id: 1, scopes: ['oauth'] };
    let status = 200;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(answer)); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const bad = await client('v3', url).accessTokenInfo('CO-x').catch((e) => e);
      expect(bad).toBeInstanceOf(HubSpotOAuthError);
      expect(bad.message).toMatch(/introspection answer was not understood \(hub_id: /);
      answer = { hub_id: 1, user_id: 1, scopes: [] };
      expect((await client('v3', url).accessTokenInfo('CO-x').catch((e) => e)).message).toMatch(/\(active: /);
      answer = { active: true, hub_id: 1, user_id: 1 };
      expect((await client('v3', url).accessTokenInfo('CO-x').catch((e) => e)).message).toMatch(/\(scopes: /);
      // HubSpot refusing the app's own credentials is an error, not an inactive token.
      status = 401;
      answer = { status: 'BAD_CLIENT_ID', error: 'invalid_client', error_description: 'missing or invalid client_id / client_secret' };
      const refused = await client('v3', url).accessTokenInfo('CO-x').catch((e) => e);
      expect(refused).toMatchObject({ status: 401, error: 'invalid_client' });
      expect(refused.message).not.toContain('CO-x');
    } finally {
      server.close();
    }
  });

  it('revokes a refresh token (v3 revoke and v1 delete)', async () => {
    for (const api of ['v3', 'v1'] as const) {
      const t = await oauthConnect(fx.emu.url, fx.emu);
      await client(api).revoke(t.refresh_token);
      expect((await client(api).refresh(t.refresh_token).catch((e) => e)).code).toBe('ERR_OAUTH_REVOKED');
    }
  });
});
