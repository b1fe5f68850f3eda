import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import type { Config } from '../config';
import { KustiqError } from '../errors/codes';

/**
 * HubSpot's OAuth endpoints. The 2026-03 token API (form body only) is called with
 * fetch because @hubspot/api-client 14 knows only v1; v1 stays as a configured
 * fallback until HubSpot's 2027-02-16 sunset. Nothing here logs or returns a token in an
 * error message.
 */
const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  hub_id: z.number().int().optional(),
  user_id: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});
export type Tokens = z.infer<typeof TokenResponse>;

const AccessTokenInfo = z.object({
  hub_id: z.number().int(),
  user: z.string().optional(),
  user_id: z.number().int().optional(),
  hub_domain: z.string().optional(),
  app_id: z.number().int().optional(),
  scopes: z.array(z.string()),
  expires_in: z.number().optional(),
});
export type AccessTokenInfo = z.infer<typeof AccessTokenInfo>;

const AccountDetails = z.object({
  portalId: z.number().int(),
  timeZone: z.string(),
  dataHostingLocation: z.string(),
  uiDomain: z.string(),
});
export type AccountDetails = z.infer<typeof AccountDetails>;

export interface OAuthClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  tokenApi: 'v3' | 'v1';
}

export function oauthOptions(config: Config): OAuthClientOptions {
  if (!config.HUBSPOT_CLIENT_ID || !config.HUBSPOT_CLIENT_SECRET) {
    throw new Error('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are required to talk to HubSpot');
  }
  return { baseUrl: config.HUBSPOT_API_BASE_URL, clientId: config.HUBSPOT_CLIENT_ID, clientSecret: config.HUBSPOT_CLIENT_SECRET, tokenApi: config.HUBSPOT_OAUTH_TOKEN_API };
}

export class HubSpotOAuthError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
    this.name = 'HubSpotOAuthError';
  }
}

export class HubSpotOAuth {
  constructor(private readonly opts: OAuthClientOptions) {}

  private async tokenCall(params: Record<string, string>): Promise<Tokens> {
    const body = new URLSearchParams({ ...params, client_id: this.opts.clientId, client_secret: this.opts.clientSecret });
    const path = this.opts.tokenApi === 'v3' ? '/oauth/2026-03/token' : '/oauth/v1/token';
    const res = await fetch(new URL(path, this.opts.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      // v3 says error=invalid_grant; v1 says status=BAD_REFRESH_TOKEN / BAD_AUTH_CODE.
      const error = String(json.error ?? (String(json.status ?? '').startsWith('BAD_') ? 'invalid_grant' : 'server_error'));
      const message = String(json.error_description ?? json.message ?? `HTTP ${res.status}`);
      if (error === 'invalid_grant' && params.grant_type === 'refresh_token') {
        throw new KustiqError('ERR_OAUTH_REVOKED', `HubSpot rejected the refresh token: ${message}`);
      }
      throw new HubSpotOAuthError(res.status, error, `HubSpot token endpoint answered ${res.status} ${error}: ${message}`);
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) throw new HubSpotOAuthError(502, 'bad_response', `HubSpot token response was not understood: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    return parsed.data;
  }

  exchangeCode(code: string, redirectUri: string): Promise<Tokens> {
    return this.tokenCall({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  }

  refresh(refreshToken: string): Promise<Tokens> {
    return this.tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** Who and which portal a token belongs to, and the scopes actually granted. */
  async accessTokenInfo(accessToken: string): Promise<AccessTokenInfo> {
    const client = new Client({ basePath: this.opts.baseUrl });
    const info = await client.oauth.accessTokensApi.get(accessToken);
    return AccessTokenInfo.parse({
      hub_id: info.hubId, user: info.user, user_id: info.userId, hub_domain: info.hubDomain, app_id: info.appId,
      scopes: info.scopes, expires_in: info.expiresIn,
    });
  }

  async accountDetails(accessToken: string): Promise<AccountDetails> {
    const client = new Client({ accessToken, basePath: this.opts.baseUrl });
    const res = await client.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
    return AccountDetails.parse(await res.json());
  }

  /** Revokes the refresh token at HubSpot (and with it the installation's access). */
  async revoke(refreshToken: string): Promise<void> {
    if (this.opts.tokenApi === 'v3') {
      const res = await fetch(new URL('/oauth/2026-03/token/revoke', this.opts.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: this.opts.clientId, client_secret: this.opts.clientSecret, token: refreshToken, token_type_hint: 'refresh_token' }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new HubSpotOAuthError(res.status, 'revoke_failed', `HubSpot revoke answered ${res.status}`);
      return;
    }
    const client = new Client({ basePath: this.opts.baseUrl });
    await client.oauth.refreshTokensApi.archive(refreshToken);
  }
}
