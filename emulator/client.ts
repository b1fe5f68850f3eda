/**
 * Helpers for talking to a running emulator from tests, benches and the demo: the
 * OAuth dance without a browser, and typed calls to the admin API.
 */
// The scopes Kustiq asks for live in one place; tests and benches ask for the same.
export { OPTIONAL_SCOPES as KUSTIQ_OPTIONAL_SCOPES, REQUIRED_SCOPES as KUSTIQ_REQUIRED_SCOPES } from '../server/hubspot/scopes';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../server/hubspot/scopes';

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  hub_id?: number;
  scopes?: string[];
}

/** Authorize (the emulator consents at once) and exchange the code, as an app backend would. */
export async function oauthConnect(
  url: string,
  app: { clientId: string; clientSecret: string },
  opts: { scopes?: string[]; optionalScopes?: string[]; redirectUri?: string } = {},
): Promise<TokenSet> {
  const redirectUri = opts.redirectUri ?? 'http://localhost:3000/oauth/callback';
  const auth = new URL('/oauth/authorize', url);
  auth.searchParams.set('client_id', app.clientId);
  auth.searchParams.set('redirect_uri', redirectUri);
  auth.searchParams.set('scope', (opts.scopes ?? REQUIRED_SCOPES).join(' '));
  auth.searchParams.set('optional_scope', (opts.optionalScopes ?? OPTIONAL_SCOPES).join(' '));
  auth.searchParams.set('state', 'test');
  const res = await fetch(auth, { redirect: 'manual' });
  const loc = res.headers.get('location');
  const code = loc ? new URL(loc).searchParams.get('code') : null;
  if (!code) throw new Error(`authorize did not return a code: ${res.status} ${loc ?? (await res.text())}`);
  const tok = await fetch(new URL('/oauth/2026-03/token', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: redirectUri, code }),
  });
  if (!tok.ok) throw new Error(`token exchange failed: ${tok.status} ${await tok.text()}`);
  return (await tok.json()) as TokenSet;
}

export class EmulatorAdmin {
  constructor(readonly url: string) {}
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(`/_emulator${path}`, this.url), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
  settings(patch: Record<string, unknown>) { return this.call('PATCH', '/settings', patch); }
  fault(portalId: number, fault: Record<string, unknown>) { return this.call('POST', `/portals/${portalId}/faults`, fault); }
  clearFaults(portalId: number) { return this.call('DELETE', `/portals/${portalId}/faults`); }
  requests(portalId?: number) {
    return this.call<{ total: number; http429: number; byEndpoint: Record<string, { count: number }>; entries: { method: string; path: string; status: number }[] }>('GET', `/requests${portalId ? `?portalId=${portalId}` : ''}`);
  }
  clearRequests() { return this.call('DELETE', '/requests'); }
  object(portalId: number, type: 'companies' | 'contacts', id: string) {
    return this.call<{ id: string; properties: Record<string, string> }>('GET', `/portals/${portalId}/objects/${type}/${id}`);
  }
}
