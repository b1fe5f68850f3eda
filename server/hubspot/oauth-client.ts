import { archiveRefreshTokenV1 } from './port';
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

/**
 * HubSpot's answer to `POST /oauth/2026-03/token/introspect` (RFC 7662): `active:false`
 * alone for a token it no longer honours (revoked, expired, the app uninstalled, or never
 * issued to this app); for a live access token, who and which portal it belongs to and the
 * scopes it carries now. Only the fields Kustiq reads are required.
 */
const ActiveAccessToken = z.object({
  active: z.literal(true),
  hub_id: z.number().int(),
  user_id: z.number().int(),
  scopes: z.array(z.string()),
  token_use: z.literal('access_token').optional(),
  user: z.string().optional(),
  hub_domain: z.string().optional(),
  app_id: z.number().int().optional(),
  client_id: z.string().optional(),
  expires_in: z.number().optional(),
});
const InactiveToken = z.object({ active: z.literal(false) });
const Introspection = z.discriminatedUnion('active', [ActiveAccessToken, InactiveToken]);
export type AccessTokenInfo = z.infer<typeof ActiveAccessToken>;
/** `active:false` is a token HubSpot no longer honours: treat the install as possibly gone. */
export type TokenIntrospection = AccessTokenInfo | { active: false };

/** The deprecated v1 `GET /oauth/v1/access-tokens/{token}` (HUBSPOT_OAUTH_TOKEN_API=v1 only). */
const V1AccessTokenInfo = z.object({
  hub_id: z.number().int(),
  user_id: z.number().int(),
  scopes: z.array(z.string()),
  user: z.string().optional(),
  hub_domain: z.string().optional(),
  app_id: z.number().int().optional(),
  expires_in: z.number().optional(),
});

const INTROSPECT_DEADLINE_MS = 15_000;

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

  /**
   * Who and which portal an access token belongs to, and the scopes it carries now; or
   * `{active:false}` when HubSpot no longer honours it. Through the 2026-03 introspection
   * endpoint (form body, so the token never sits in a URL); v1's `GET
   * /oauth/v1/access-tokens/{token}` (404 = inactive) only with HUBSPOT_OAUTH_TOKEN_API=v1.
   */
  async accessTokenInfo(accessToken: string): Promise<TokenIntrospection> {
    const v3 = this.opts.tokenApi === 'v3';
    const what = v3 ? 'HubSpot token introspection' : 'HubSpot v1 access-token info';
    let res: Response;
    try {
      res = v3
        ? await fetch(new URL('/oauth/2026-03/token/introspect', this.opts.baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ client_id: this.opts.clientId, client_secret: this.opts.clientSecret, token: accessToken, token_type_hint: 'access_token' }),
          signal: AbortSignal.timeout(INTROSPECT_DEADLINE_MS),
        })
        : await fetch(new URL(`/oauth/v1/access-tokens/${encodeURIComponent(accessToken)}`, this.opts.baseUrl), {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(INTROSPECT_DEADLINE_MS),
        });
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError') throw new HubSpotOAuthError(504, 'timeout', `${what} did not answer within ${INTROSPECT_DEADLINE_MS / 1000} s`);
      throw new HubSpotOAuthError(502, 'unreachable', `${what} failed: ${e.message}`);
    }
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!v3 && res.status === 404) return { active: false };
    if (!res.ok) {
      const error = String(json?.error ?? json?.category ?? 'server_error');
      const message = String(json?.error_description ?? json?.message ?? `HTTP ${res.status}`);
      throw new HubSpotOAuthError(res.status, error, `${what} answered ${res.status} ${error}: ${message}`);
    }
    const parsed = v3 ? Introspection.safeParse(json) : V1AccessTokenInfo.safeParse(json);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new HubSpotOAuthError(502, 'bad_response', `${what} answer was not understood (${fields})`);
    }
    return v3 ? parsed.data as TokenIntrospection : { active: true, ...(parsed.data as z.infer<typeof V1AccessTokenInfo>) };
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
    await archiveRefreshTokenV1(this.opts.baseUrl, refreshToken);
  }
}
