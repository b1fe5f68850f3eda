import express, { type Request, type Response, Router } from 'express';
import { randomUUID } from 'node:crypto';
import { handle, type EmulatorContext } from '../context';
import { newToken, type AuthCode, type TokenRecord } from '../state';

/**
 * HubSpot OAuth: authorize (auto-consent), token (v1 and 2026-03), introspection,
 * revoke, and app uninstall. Token errors use HubSpot's shapes: v1 has
 * status/message; 2026-03 adds RFC 6749 error/error_description.
 */
export function oauthRoutes(ctx: EmulatorContext): Router {
  const r = Router();
  const { state } = ctx;
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  r.get('/oauth/authorize', (req, res) => authorize(req, res, undefined));
  r.get('/oauth/:portalId/authorize', (req, res) => authorize(req, res, Number(req.params.portalId)));

  function authorize(req: Request, res: Response, portalFromPath: number | undefined) {
    const q = req.query as Record<string, string | undefined>;
    const app = q.client_id ? state.apps.get(q.client_id) : undefined;
    if (!app || !q.redirect_uri) {
      // HubSpot shows an error page rather than redirecting when it cannot trust redirect_uri.
      res.status(400).type('text/plain').send(!app ? 'Unknown client_id' : 'redirect_uri is required');
      return;
    }
    const redirect = new URL(q.redirect_uri);
    const grant = state.settings.nextGrant;
    state.settings.nextGrant = null;
    if (q.state !== undefined) redirect.searchParams.set('state', q.state);
    if (grant?.error) {
      redirect.searchParams.set('error', grant.error);
      redirect.searchParams.set('error_description', grant.errorDescription ?? 'The user did not authorize the app.');
      res.redirect(302, redirect.toString());
      return;
    }
    const split = (s?: string) => (s ?? '').split(/[ +]|%20/).map((x) => x.trim()).filter(Boolean);
    const required = split(q.scope);
    const optional = split(q.optional_scope);
    const withhold = new Set(grant?.withhold ?? []);
    const missingRequired = required.filter((s) => withhold.has(s));
    if (missingRequired.length) {
      // A portal that blocks a required scope: HubSpot does not complete the install.
      redirect.searchParams.set('error', 'invalid_scope');
      redirect.searchParams.set('error_description', `The app requires scopes this account or user cannot grant: ${missingRequired.join(' ')}`);
      res.redirect(302, redirect.toString());
      return;
    }
    const portalId = portalFromPath ?? grant?.portalId ?? state.defaultPortalId;
    if (!state.portals.has(portalId)) {
      res.status(400).type('text/plain').send(`Unknown portal ${portalId}`);
      return;
    }
    const scopes = [...required, ...optional.filter((s) => !withhold.has(s))];
    const code: AuthCode = {
      code: randomUUID(), clientId: app.clientId, redirectUri: q.redirect_uri, portalId, scopes,
      expiresAt: state.clock.now() + 10 * 60_000, used: false,
    };
    state.codes.set(code.code, code);
    redirect.searchParams.set('code', code.code);
    res.redirect(302, redirect.toString());
  }

  function tokenError(res: Response, version: 'v1' | 'v3', status: number, hubStatus: string, error: string, message: string) {
    const body: Record<string, unknown> = { status: hubStatus, message, correlationId: randomUUID(), category: error === 'invalid_client' ? 'INVALID_AUTHENTICATION' : 'VALIDATION_ERROR' };
    if (version === 'v3') Object.assign(body, { error, error_description: message });
    res.status(status).json(body);
  }

  function issue(version: 'v1' | 'v3', portalId: number, appId: number, clientId: string, userId: number, scopes: string[], refreshToken?: string) {
    const portal = state.portal(portalId);
    const user = portal.users.find((u) => u.id === userId) ?? portal.users[0]!;
    const base = { portalId, appId, clientId, userId, userEmail: user.email, scopes, revoked: false };
    const access: TokenRecord = { ...base, token: newToken('CO'), kind: 'access', expiresAt: state.clock.now() + state.settings.accessTokenTtlSeconds * 1000 };
    state.tokens.set(access.token, access);
    let refresh = refreshToken;
    if (!refresh) {
      const rt: TokenRecord = { ...base, token: `${portal.dataHostingLocation}-${randomUUID()}`, kind: 'refresh' };
      state.tokens.set(rt.token, rt);
      refresh = rt.token;
    }
    const body: Record<string, unknown> = {
      token_type: 'bearer', refresh_token: refresh, access_token: access.token,
      expires_in: state.settings.accessTokenTtlSeconds, token_use: 'access_token',
    };
    if (version === 'v3') Object.assign(body, { hub_id: portalId, user_id: userId, scopes });
    return body;
  }

  const token = (version: 'v1' | 'v3') =>
    handle((req, res) => {
      const b = { ...(version === 'v1' ? req.query : {}), ...(req.body ?? {}) } as Record<string, string | undefined>;
      const app = b.client_id ? state.apps.get(b.client_id) : undefined;
      if (!app || app.clientSecret !== b.client_secret) {
        return tokenError(res, version, 400, 'BAD_CLIENT_ID', 'invalid_client', 'missing or invalid client_id / client_secret');
      }
      if (b.grant_type === 'authorization_code') {
        const code = b.code ? state.codes.get(b.code) : undefined;
        if (!code || code.used || code.clientId !== app.clientId || code.expiresAt < state.clock.now()) {
          if (code) code.used = true;
          return tokenError(res, version, 400, 'BAD_AUTH_CODE', 'invalid_grant', 'missing or unknown auth code');
        }
        if (code.redirectUri !== b.redirect_uri) {
          return tokenError(res, version, 400, 'BAD_REDIRECT_URI', 'invalid_grant', 'redirect_uri does not match the one used at authorize');
        }
        code.used = true;
        const inst = state.install(code.portalId, app.appId, code.scopes, state.portal(code.portalId).users[0]!.id);
        return res.json(issue(version, code.portalId, app.appId, app.clientId, inst.userId, inst.scopes));
      }
      if (b.grant_type === 'refresh_token') {
        const rt = b.refresh_token ? state.tokens.get(b.refresh_token) : undefined;
        const inst = rt && state.installation(rt.portalId, rt.appId);
        if (!rt || rt.kind !== 'refresh' || rt.revoked || rt.clientId !== app.clientId || !inst?.installed) {
          return tokenError(res, version, 400, 'BAD_REFRESH_TOKEN', 'invalid_grant', 'missing or unknown refresh token');
        }
        // Scopes removed since install (an admin narrowed the grant) apply to new access tokens.
        rt.scopes = inst.scopes;
        return res.json(issue(version, rt.portalId, rt.appId, rt.clientId, rt.userId, inst.scopes, rt.token));
      }
      return tokenError(res, version, 400, 'BAD_GRANT_TYPE', 'unsupported_grant_type', `grant_type must be authorization_code or refresh_token`);
    });

  r.post('/oauth/v1/token', form, token('v1'));
  r.post('/oauth/2026-03/token', form, token('v3'));
  r.post('/oauth/v3/token', form, token('v3'));

  const notFound = (res: Response, what: string) =>
    res.status(404).json({ status: 'error', message: `${what} not found`, correlationId: randomUUID(), category: 'OBJECT_NOT_FOUND' });

  /** What a token may do now: scopes an admin took away since it was issued are gone. */
  function liveScopes(t: TokenRecord): string[] {
    const inst = state.installation(t.portalId, t.appId);
    return inst ? t.scopes.filter((s) => inst.scopes.includes(s)) : [];
  }

  function accessInfo(t: TokenRecord, v3: boolean) {
    const portal = state.portal(t.portalId);
    const expiresIn = Math.max(0, Math.round(((t.expiresAt ?? 0) - state.clock.now()) / 1000));
    const info: Record<string, unknown> = {
      token: t.token, user: t.userEmail, hub_domain: portal.hubDomain, scopes: liveScopes(t), hub_id: t.portalId,
      app_id: t.appId, expires_in: expiresIn, user_id: t.userId, token_type: 'access', is_private_distribution: false,
    };
    info.signed_access_token = {
      appId: t.appId, appInstallId: `${t.portalId}-${t.appId}`, audience: 'api.hubapi.com', expiresAt: t.expiresAt ?? 0,
      hubId: t.portalId, hublet: portal.dataHostingLocation, installingUserId: t.userId, isPrivateDistribution: false,
      isServiceAccount: false, isUserLevel: false, newSignature: t.token.slice(2, 18), scopeToScopeGroupPks: '',
      scopes: t.scopes.join(' '), signature: t.token.slice(-16), trialScopeToScopeGroupPks: '', trialScopes: '', userId: t.userId,
    };
    if (v3) Object.assign(info, { active: true, client_id: t.clientId, token_use: 'access_token' });
    return info;
  }
  function refreshInfo(t: TokenRecord, v3: boolean) {
    const portal = state.portal(t.portalId);
    const info: Record<string, unknown> = {
      token: t.token, user: t.userEmail, hub_domain: portal.hubDomain, scopes: t.scopes, hub_id: t.portalId,
      client_id: t.clientId, user_id: t.userId, token_type: 'refresh',
    };
    if (v3) Object.assign(info, { active: true, app_id: t.appId, token_use: 'refresh_token' });
    return info;
  }

  r.get('/oauth/v1/access-tokens/:token', (req, res) => {
    const t = state.tokens.get(req.params.token);
    if (!t || t.kind !== 'access' || t.revoked || (t.expiresAt ?? 0) < state.clock.now()) return notFound(res, 'access token');
    res.json(accessInfo(t, false));
  });
  r.get('/oauth/v1/refresh-tokens/:token', (req, res) => {
    const t = state.tokens.get(req.params.token);
    if (!t || t.kind !== 'refresh' || t.revoked) return notFound(res, 'refresh token');
    res.json(refreshInfo(t, false));
  });
  r.delete('/oauth/v1/refresh-tokens/:token', (req, res) => {
    const t = state.tokens.get(req.params.token);
    if (!t || t.kind !== 'refresh') return notFound(res, 'refresh token');
    t.revoked = true;
    res.status(204).end();
  });

  const introspect = handle((req, res) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    const app = b.client_id ? state.apps.get(b.client_id) : undefined;
    if (!app || app.clientSecret !== b.client_secret) {
      return tokenError(res, 'v3', 401, 'BAD_CLIENT_ID', 'invalid_client', 'missing or invalid client_id / client_secret');
    }
    // RFC 7662: a token that is unknown, another app's, revoked, expired or of an uninstalled
    // app answers 200 `{active:false}` and nothing else (no metadata about a dead token).
    // token_type_hint is only a hint: the token is looked up whatever it says.
    const t = b.token ? state.tokens.get(b.token) : undefined;
    const inst = t && state.installation(t.portalId, t.appId);
    const live = t && t.clientId === app.clientId && !t.revoked && inst?.installed
      && (t.kind === 'refresh' || (t.expiresAt ?? 0) > state.clock.now());
    if (!t || !live) return res.json({ active: false });
    return res.json(t.kind === 'access' ? accessInfo(t, true) : refreshInfo(t, true));
  });
  r.post('/oauth/2026-03/token/introspect', form, introspect);
  r.post('/oauth/v3/token/introspect', form, introspect);

  const revoke = handle((req, res) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    const app = b.client_id ? state.apps.get(b.client_id) : undefined;
    if (!app || app.clientSecret !== b.client_secret) {
      return tokenError(res, 'v3', 401, 'BAD_CLIENT_ID', 'invalid_client', 'missing or invalid client_id / client_secret');
    }
    const t = b.token ? state.tokens.get(b.token) : undefined;
    // RFC 7009: revoking an unknown token is not an error.
    if (t && t.clientId === app.clientId) t.revoked = true;
    res.status(200).json({});
  });
  r.post('/oauth/2026-03/token/revoke', form, revoke);
  r.post('/oauth/v3/token/revoke', form, revoke);

  return r;
}
