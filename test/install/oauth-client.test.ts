import { describe, expect, it } from 'vitest';
import { oauthConnect } from '../../emulator/client';
import { KustiqError } from '../../server/errors/codes';
import { HubSpotOAuth } from '../../server/hubspot/oauth-client';
import { useEmulator } from '../support/emulator';

describe('HubSpot OAuth client', () => {
  const fx = useEmulator({ companies: 1, dataHostingLocation: 'eu1' });
  const client = (tokenApi: 'v3' | 'v1') => new HubSpotOAuth({ baseUrl: fx.emu.url, clientId: fx.emu.clientId, clientSecret: fx.emu.clientSecret, tokenApi });

  for (const api of ['v3', 'v1'] as const) {
    it(`refreshes through ${api === 'v3' ? '/oauth/2026-03/token' : 'the v1 fallback'} and maps invalid_grant to ERR_OAUTH_REVOKED`, async () => {
      await fx.admin.clearRequests();
      const t = await client(api).refresh(fx.token.refresh_token);
      expect(t.expires_in).toBe(1800);
      const paths = (await fx.admin.requests()).entries.map((e) => e.path);
      expect(paths).toContain(api === 'v3' ? '/oauth/2026-03/token' : '/oauth/v1/token');
      const err = await client(api).refresh('na1-not-a-token').catch((e) => e);
      expect(err).toBeInstanceOf(KustiqError);
      expect(err.code).toBe('ERR_OAUTH_REVOKED');
      expect(String(err.message)).not.toContain('na1-not-a-token');
    });
  }

  it('introspects the token and reads account details (time zone, data-hosting region)', async () => {
    const info = await client('v3').accessTokenInfo(fx.token.access_token);
    expect(info).toMatchObject({ hub_id: fx.emu.portalId, user: 'admin@portal.example' });
    expect(info.scopes).toContain('crm.objects.companies.write');
    const acct = await client('v3').accountDetails(fx.token.access_token);
    expect(acct).toMatchObject({ portalId: fx.emu.portalId, timeZone: 'Europe/Berlin', dataHostingLocation: 'eu1', uiDomain: 'app-eu1.hubspot.com' });
  });

  it('revokes a refresh token (v3 revoke and v1 delete)', async () => {
    for (const api of ['v3', 'v1'] as const) {
      const t = await oauthConnect(fx.emu.url, fx.emu);
      await client(api).revoke(t.refresh_token);
      expect((await client(api).refresh(t.refresh_token).catch((e) => e)).code).toBe('ERR_OAUTH_REVOKED');
    }
  });
});
