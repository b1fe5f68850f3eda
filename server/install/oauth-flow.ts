import type { ErrorCode } from '../errors/codes';
import { HubSpotOAuthError } from '../hubspot/oauth-client';
import { HubSpotPort } from '../hubspot/port';
import { missingRequired, OPTIONAL_SCOPES, regionOf, REQUIRED_SCOPES } from '../hubspot/scopes';
import { ensureSchema, type SchemaReport } from '../schema/ensure-schema';
import { recordSchemaStates } from './schema-states';
import { randomToken, sha256 } from './secrets';
import type { InstallServices } from './services';

export const STATE_TTL_MS = 10 * 60_000;
/** A session ends 14 days after sign-in at the latest; its access is re-checked daily (dashboard/session.ts). */
export const SESSION_TTL_MS = 14 * 86_400_000;
/**
 * GET /oauth/install is unauthenticated and stores a state: at most 30 per client address
 * (an IPv4 address or an IPv6 /64) in 10 minutes, per web process (docs/operations.md).
 */
export const INSTALL_RATE_LIMIT = { limit: 30, windowMs: 10 * 60_000 } as const;

/** A callback that cannot be trusted or did not complete; shown to the user as a page. */
export class CallbackError extends Error {
  constructor(readonly status: number, message: string, readonly code: ErrorCode | null = null) {
    super(message);
    this.name = 'CallbackError';
  }
}

/**
 * Starts OAuth: a single-use, 10-minute state bound to the browser by a nonce that only
 * that browser's cookie carries. Returns HubSpot's authorize URL and the cookie value.
 */
export async function startAuthorization(s: InstallServices, purpose: 'login' | 'connect', workspaceId: string | null) {
  const state = randomToken();
  const browserNonce = randomToken();
  await s.knex('oauth_states').insert({
    state_hash: sha256(state), browser_hash: sha256(browserNonce), purpose, workspace_id: workspaceId,
    expires_at: new Date(Date.now() + STATE_TTL_MS),
  });
  const url = new URL(s.config.HUBSPOT_AUTHORIZE_URL);
  url.searchParams.set('client_id', s.config.HUBSPOT_CLIENT_ID!);
  url.searchParams.set('redirect_uri', s.redirectUri);
  url.searchParams.set('scope', REQUIRED_SCOPES.join(' '));
  url.searchParams.set('optional_scope', OPTIONAL_SCOPES.join(' '));
  url.searchParams.set('state', state);
  return { url: url.toString(), browserNonce };
}

export interface CallbackInput {
  /** Absent when HubSpot started the install itself (the marketplace's install button, the app's install URL). */
  state?: string;
  code?: string;
  error?: string;
  errorDescription?: string;
  browserNonce?: string;
}

export interface InstallResult {
  /** Who started it: Kustiq (a verified `state`) or HubSpot (no `state`, a fresh sign-in of the portal's installing user). */
  startedBy: 'kustiq' | 'hubspot';
  workspaceId: string;
  connectionId: string;
  portalId: number;
  userId: string;
  sessionId: string;
  scopes: string[];
  missingScopes: string[];
  regionWarning: boolean;
  schema: SchemaReport | null;
  schemaError: string | null;
}

/** Consumes the state atomically: a replay, a forgery or another browser is refused. */
async function consumeState(s: InstallServices, state: string | undefined, browserNonce: string | undefined) {
  if (!state) throw new CallbackError(400, 'The sign-in link is missing its state parameter. Start again from Kustiq.');
  const [row] = await s.knex('oauth_states')
    .where({ state_hash: sha256(state) })
    .whereNull('used_at')
    .update({ used_at: s.knex.fn.now() })
    .returning(['browser_hash', 'purpose', 'workspace_id', 'expires_at']);
  if (!row) throw new CallbackError(400, 'This sign-in link is not valid or was already used. Start again from Kustiq.');
  if (new Date(row.expires_at).getTime() < Date.now()) throw new CallbackError(400, 'This sign-in link expired (10 minutes). Start again from Kustiq.');
  if (!browserNonce || sha256(browserNonce) !== row.browser_hash) {
    throw new CallbackError(400, 'This sign-in was started in another browser. Start again from this browser.');
  }
  return row as { purpose: 'login' | 'connect'; workspace_id: string | null };
}

/**
 * A workspace holds one HubSpot portal, for good: its matches, runs and credits belong to
 * that connection. Connecting another portal from a workspace that has one (connected or
 * not) is refused with a page that names both, and the token HubSpot has just issued for
 * the other portal is revoked there, so nothing is left alive that Kustiq does not hold. A
 * portal that already has a workspace of its own is no conflict: it signs in there.
 */
async function refuseSecondPortal(s: InstallServices, workspaceId: string | null, portalId: number, refreshToken: string): Promise<void> {
  if (!workspaceId) return;
  const own = await s.knex('hubspot_connections').where({ portal_id: String(portalId) }).first('id');
  if (own) return;
  const held = await s.knex('hubspot_connections').where({ workspace_id: workspaceId }).first('portal_id', 'status');
  if (!held) return;
  let revoked = true;
  await s.oauth.revoke(refreshToken).catch((err) => {
    revoked = false;
    s.log.warn({ portalId, err: { message: (err as Error).message } }, 'revoking the second portal\'s token at HubSpot failed');
  });
  s.log.info({ workspaceId, portalId, heldPortalId: Number(held.portal_id), revoked }, 'second portal refused');
  const gaveBack = revoked ? ' (Kustiq gave its access back to HubSpot)' : '';
  const elsewhere = `To work with portal ${portalId}, sign out and sign in with HubSpot choosing portal ${portalId}: it gets a workspace of its own.`;
  throw new CallbackError(409, held.status === 'connected'
    ? `This workspace is already connected to HubSpot portal ${held.portal_id}, and a workspace holds one portal: portal ${portalId} was not connected${gaveBack}. ${elsewhere}`
    : `This workspace belongs to HubSpot portal ${held.portal_id} (disconnected), and a workspace holds one portal: portal ${portalId} was not connected${gaveBack}. Connect portal ${held.portal_id} again here, or: ${elsewhere}`);
}

/**
 * The OAuth callback. With a `state` (an install Kustiq started) the state is verified as
 * above and a forged, replayed, expired or other browser's state is refused.
 *
 * Without one, HubSpot started the install itself (the marketplace's install button or
 * the app's install URL carry no `state`) and it completes as a first sign-in. Why that is
 * safe enough: such a callback is, by construction, unsolicited, so it may be an
 * attacker's code planted in a victim's browser (login CSRF). The code is single-use,
 * short-lived and only redeemable with our client secret and this redirect_uri, so
 * whoever holds it can only have got it by authorizing Kustiq on a portal they may
 * install apps in. The worst it does is sign this browser in as that portal's installing
 * user, into the portal's own workspace (a new one the first time): exactly what that user
 * gets by signing in themselves. It never uses the browser's current session: the portal
 * is not attached to the workspace the browser is signed into, and that session is
 * replaced, not joined. So it grants no access to the victim's workspace or HubSpot data;
 * the dashboard names the portal and the user it signed in as. (docs/operations.md,
 * "Installs HubSpot starts".)
 */
export async function completeAuthorization(s: InstallServices, input: CallbackInput): Promise<InstallResult> {
  const startedBy = input.state === undefined ? 'hubspot' : 'kustiq';
  const st = startedBy === 'kustiq'
    ? await consumeState(s, input.state, input.browserNonce)
    : { purpose: 'login' as const, workspace_id: null };
  if (input.error) {
    const scopeProblem = input.error === 'invalid_scope' || /scope/i.test(input.errorDescription ?? '');
    throw new CallbackError(400, `HubSpot did not connect: ${input.error}${input.errorDescription ? ` — ${input.errorDescription}` : ''}`, scopeProblem ? 'ERR_SCOPE_MISSING' : null);
  }
  if (!input.code) throw new CallbackError(400, 'HubSpot sent no authorization code.');

  const tokens = await s.oauth.exchangeCode(input.code, s.redirectUri).catch((err) => {
    // A used, expired or foreign code: HubSpot's invalid_grant is the user's link, not our fault.
    if (err instanceof HubSpotOAuthError && err.error === 'invalid_grant') {
      throw new CallbackError(400, 'HubSpot did not accept this sign-in (the code was already used or has expired). Start again from Kustiq or HubSpot.');
    }
    throw err;
  });
  const info = await s.oauth.accessTokenInfo(tokens.access_token);
  if (!info.active) throw new CallbackError(502, 'HubSpot reports the token it has just issued as inactive. Try again in a minute.');
  const portalId = info.hub_id;
  await refuseSecondPortal(s, st.workspace_id, portalId, tokens.refresh_token);
  const account = await HubSpotPort.withToken(s, portalId, tokens.access_token).accountDetails();
  const scopes = info.scopes;
  const missing = missingRequired(scopes);

  const result = await s.knex.transaction(async (trx) => {
    const existing = await trx('hubspot_connections').where({ portal_id: String(portalId) }).first();
    let workspaceId: string = existing?.workspace_id ?? st.workspace_id;
    if (!workspaceId) {
      const [w] = await trx('workspaces').insert({ name: info.hub_domain ?? `HubSpot portal ${portalId}`, region: s.config.KUSTIQ_REGION }).returning('id');
      workspaceId = w.id;
    }
    const workspace = await trx('workspaces').where({ id: workspaceId }).first();
    const regionWarning = workspace.region !== regionOf(account.dataHostingLocation);
    const row = {
      workspace_id: workspaceId,
      portal_id: String(portalId),
      status: 'connected',
      status_code: missing.length ? 'ERR_SCOPE_MISSING' : null,
      status_detail: missing.length ? `Missing required scope(s): ${missing.join(', ')}` : null,
      scopes,
      hubspot_user_id: info.user_id ?? null,
      hubspot_user_email: info.user ?? null,
      hub_domain: info.hub_domain ?? null,
      app_id: info.app_id ?? null,
      time_zone: account.timeZone,
      data_hosting_location: account.dataHostingLocation,
      ui_domain: account.uiDomain,
      region_warning: regionWarning
        ? `ERR_REGION_MISMATCH: workspace region ${workspace.region}, portal data hosted in ${account.dataHostingLocation}`
        : null,
      ...s.vault.encryptedTokens(portalId, tokens),
      refreshed_at: new Date(),
      connected_at: new Date(),
      disconnected_at: null,
      updated_at: new Date(),
    };
    const [conn] = await trx('hubspot_connections').insert(row).onConflict('portal_id').merge().returning('id');
    const [user] = await trx('users')
      .insert({ workspace_id: workspaceId, hubspot_user_id: String(info.user_id ?? 0), email: info.user ?? 'unknown' })
      .onConflict(['workspace_id', 'hubspot_user_id']).merge(['email'])
      .returning('id');
    const sessionId = randomToken();
    await trx('sessions').insert({ id_hash: sha256(sessionId), user_id: user.id, workspace_id: workspaceId, portal_id: String(portalId), verified_at: new Date(), expires_at: new Date(Date.now() + SESSION_TTL_MS) });
    return { workspaceId, connectionId: conn.id as string, userId: user.id as string, sessionId, regionWarning };
  }).catch(async (err) => {
    // Another portal connected to this workspace meanwhile (one connection per workspace): refused as above.
    if ((err as { code?: string }).code === '23505' && /workspace_id/.test((err as { constraint?: string }).constraint ?? '')) await refuseSecondPortal(s, st.workspace_id, portalId, tokens.refresh_token);
    throw err;
  });

  let schema: SchemaReport | null = null;
  let schemaError: string | null = null;
  if (!missing.length) {
    try {
      // Through the port: the portal's budget counts these requests, as every other.
      schema = await ensureSchema(HubSpotPort.withToken(s, portalId, tokens.access_token), scopes);
      await recordSchemaStates(s.knex, result.connectionId, schema);
    } catch (err) {
      // The connection stands; the schema is retried by the next sync.
      schemaError = (err as Error).message;
      s.log.warn({ portalId, err: { message: schemaError } }, 'schema setup failed after install');
    }
  }
  s.log.info({ portalId, workspaceId: result.workspaceId, scopes: scopes.length, missing, startedBy }, 'HubSpot connected');
  return { ...result, startedBy, portalId, scopes, missingScopes: missing, schema, schemaError };
}

