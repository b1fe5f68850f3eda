import { describe, expect, it } from 'vitest';
import { checkTokenHealth } from '../../server/install/connection';
import { useBackend } from '../support/backend';

/**
 * The 5-minute token health check on HubSpot's 2026-03 introspection: `active:false` means
 * HubSpot no longer honours the access token; one forced refresh tells a revoked install
 * (invalid_grant → ERR_OAUTH_REVOKED) from a token that alone was revoked.
 */
describe('token health through POST /oauth/2026-03/token/introspect', () => {
  const fx = useBackend({ portalId: 24_650_001 });
  const portal = () => fx.emu.portalId;
  const conn = () => fx.db.knex('hubspot_connections').where({ portal_id: String(portal()) }).first();
  const oauthCalls = async () => (await fx.admin.requests()).entries.filter((e) => e.path.startsWith('/oauth/')).map((e) => `${e.method} ${e.path.startsWith('/oauth/v1/access-tokens/') ? '/oauth/v1/access-tokens/{t}' : e.path} ${e.status}`);

  it('a live token: introspected once, scopes stored, nothing refreshed, the v1 access-tokens endpoint never called', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    await fx.admin.clearRequests();
    expect(await checkTokenHealth(fx.services)).toEqual({ checked: 1, revoked: 0, scopeMissing: 0 });
    expect(await oauthCalls()).toEqual(['POST /oauth/2026-03/token/introspect 200']);
    const row = await conn();
    expect(row).toMatchObject({ status: 'connected', status_code: null });
    expect(row.health_checked_at).not.toBeNull();
  });

  it('an access token revoked on its own: one forced refresh confirms the install stands', async () => {
    const token = await fx.services.vault.accessToken(portal());
    await fetch(new URL('/oauth/2026-03/token/revoke', fx.emu.url), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: fx.emu.clientId, client_secret: fx.emu.clientSecret, token, token_type_hint: 'access_token' }),
    });
    await fx.admin.clearRequests();
    expect(await checkTokenHealth(fx.services)).toEqual({ checked: 1, revoked: 0, scopeMissing: 0 });
    expect(await oauthCalls()).toEqual([
      'POST /oauth/2026-03/token/introspect 200', // {active:false}
      'POST /oauth/2026-03/token 200',
      'POST /oauth/2026-03/token/introspect 200',
    ]);
    expect(await conn()).toMatchObject({ status: 'connected', status_code: null });
    expect(await fx.services.vault.accessToken(portal())).not.toBe(token);
  });

  it('a required scope taken away: ERR_SCOPE_MISSING naming it', async () => {
    await fx.admin.call('POST', `/portals/${portal()}/scopes/remove`, { scopes: ['crm.objects.companies.write'] });
    expect(await checkTokenHealth(fx.services)).toEqual({ checked: 1, revoked: 0, scopeMissing: 1 });
    const row = await conn();
    expect(row).toMatchObject({ status: 'connected', status_code: 'ERR_SCOPE_MISSING' });
    expect(row.status_detail).toContain('crm.objects.companies.write');
    expect(row.scopes).not.toContain('crm.objects.companies.write');
  });

  it('revoked tokens: {active:false}, the forced refresh answers invalid_grant, the connection is marked ERR_OAUTH_REVOKED', async () => {
    await fx.browser().go('/oauth/install?purpose=login'); // a fresh grant with every scope
    expect((await conn()).status_code).toBeNull();
    await fx.admin.call('POST', `/portals/${portal()}/revoke-tokens`);
    await fx.admin.clearRequests();
    expect(await checkTokenHealth(fx.services)).toEqual({ checked: 1, revoked: 1, scopeMissing: 0 });
    expect(await oauthCalls()).toEqual(['POST /oauth/2026-03/token/introspect 200', 'POST /oauth/2026-03/token 400']);
    expect(await conn()).toMatchObject({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED', access_token_enc: null, refresh_token_enc: null });
    // Disconnected connections are not checked again.
    expect(await checkTokenHealth(fx.services)).toEqual({ checked: 0, revoked: 0, scopeMissing: 0 });
  });
});

describe('token health with HUBSPOT_OAUTH_TOKEN_API=v1 (until the 2027-02-16 sunset)', () => {
  const fx = useBackend({ portalId: 24_660_001 }, { HUBSPOT_OAUTH_TOKEN_API: 'v1' });

  it('an uninstall: the v1 access-token lookup answers 404, the refresh is refused, ERR_OAUTH_REVOKED', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    await fx.admin.clearRequests();
    expect(await checkTokenHealth(fx.services)).toMatchObject({ checked: 1, revoked: 0 });
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/uninstall`);
    expect(await checkTokenHealth(fx.services)).toMatchObject({ checked: 1, revoked: 1 });
    const log = (await fx.admin.requests()).entries.filter((e) => e.path.startsWith('/oauth/'));
    expect(log.map((e) => [e.method, e.path.replace(/access-tokens\/.*/, 'access-tokens/{t}'), e.status])).toEqual([
      ['GET', '/oauth/v1/access-tokens/{t}', 200],
      ['GET', '/oauth/v1/access-tokens/{t}', 404],
      ['POST', '/oauth/v1/token', 400],
    ]);
    expect(await fx.db.knex('hubspot_connections').first()).toMatchObject({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED' });
  });
});
