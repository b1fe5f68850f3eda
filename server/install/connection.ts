import { KustiqError } from '../errors/codes';
import { HubSpotPort } from '../hubspot/port';
import { missingRequired } from '../hubspot/scopes';
import { ensureSchema, type SchemaReport } from '../schema/ensure-schema';
import { markRevoked } from '../vault/token-vault';
import { recordSchemaStates } from './schema-states';
import type { InstallServices } from './services';

/** The connection as the dashboard and API show it: never a token. */
export async function connectionView(s: InstallServices, workspaceId: string) {
  const c = await s.knex('hubspot_connections').where({ workspace_id: workspaceId }).first();
  if (!c) return null;
  const problems = await s.knex('property_states').where({ connection_id: c.id }).whereNot({ status: 'ok' }).orderBy(['object_type', 'name']);
  return {
    portalId: Number(c.portal_id),
    status: c.status as 'connected' | 'disconnected',
    statusCode: c.status_code as string | null,
    statusDetail: c.status_detail as string | null,
    scopes: c.scopes as string[],
    region: c.data_hosting_location as string | null,
    regionWarning: c.region_warning as string | null,
    timeZone: c.time_zone as string | null,
    hubDomain: c.hub_domain as string | null,
    connectedBy: c.hubspot_user_email as string | null,
    connectedAt: c.connected_at as Date | null,
    lastSyncAt: c.last_sync_at as Date | null,
    properties: problems.map((p) => ({ objectType: p.object_type, name: p.name, status: p.status, code: p.code, detail: p.detail })),
  };
}

/**
 * Disconnect: revoke at HubSpot, stop the portal's work, drop the tokens, and end every
 * session of the workspace (whoever was signed in through that portal signs in again; the
 * one who disconnected too). kustiq_* properties and their values stay in HubSpot.
 */
export async function disconnect(s: InstallServices, workspaceId: string): Promise<{ portalId: number; revokedAtHubSpot: boolean; sessionsEnded: number } | null> {
  const c = await s.knex('hubspot_connections').where({ workspace_id: workspaceId }).first();
  if (!c) return null;
  let revokedAtHubSpot = false;
  if (c.status === 'connected' && c.refresh_token_enc) {
    try {
      const rt = s.vault.refreshTokenOf(c);
      if (rt) await s.oauth.revoke(rt);
      revokedAtHubSpot = true;
    } catch (err) {
      // Already revoked or HubSpot unreachable: we still forget the tokens.
      s.log.warn({ portalId: c.portal_id, err: { message: (err as Error).message } }, 'revoke at HubSpot failed; disconnecting locally');
    }
  }
  const sessionsEnded = await s.knex.transaction(async (trx): Promise<number> => {
    await trx('hubspot_connections').where({ id: c.id }).update({
      status: 'disconnected', status_code: null, status_detail: 'Disconnected from Kustiq',
      refresh_token_enc: null, access_token_enc: null, access_expires_at: null,
      disconnected_at: trx.fn.now(), updated_at: trx.fn.now(),
    });
    return Number(await trx('sessions').where({ workspace_id: workspaceId }).delete());
  });
  s.log.info({ portalId: c.portal_id, sessionsEnded }, 'HubSpot disconnected');
  return { portalId: Number(c.portal_id), revokedAtHubSpot, sessionsEnded };
}

/** Re-runs the schema check (idempotent; reads only when nothing is missing). */
export async function syncSchema(s: InstallServices, portalId: number): Promise<SchemaReport> {
  const c = await s.knex('hubspot_connections').where({ portal_id: String(portalId) }).first();
  const report = await ensureSchema(HubSpotPort.forPortal(s, portalId), c.scopes);
  await recordSchemaStates(s.knex, c.id, report);
  return report;
}

/**
 * Token health: notices a HubSpot-side uninstall or revoked grant (ERR_OAUTH_REVOKED)
 * and scopes taken away (ERR_SCOPE_MISSING). Runs every 5 minutes from the worker.
 */
export async function checkTokenHealth(s: InstallServices): Promise<{ checked: number; revoked: number; scopeMissing: number }> {
  const rows = await s.knex('hubspot_connections').where({ status: 'connected' });
  let revoked = 0;
  let scopeMissing = 0;
  for (const c of rows) {
    try {
      const token = await s.vault.accessToken(c.portal_id);
      let info = await s.oauth.accessTokenInfo(token);
      if (!info.active) {
        // HubSpot no longer honours the access token (revoked, or the app uninstalled): the
        // install may be gone. One forced refresh confirms it: invalid_grant → ERR_OAUTH_REVOKED.
        info = await s.oauth.accessTokenInfo(await s.vault.refresh(c.portal_id, true));
        if (!info.active) throw new Error('HubSpot reports the access token it has just issued as inactive');
      }
      const missing = missingRequired(info.scopes);
      await s.knex('hubspot_connections').where({ id: c.id }).update({
        scopes: info.scopes, health_checked_at: s.knex.fn.now(),
        status_code: missing.length ? 'ERR_SCOPE_MISSING' : c.status_code === 'ERR_SCOPE_MISSING' ? null : c.status_code,
        status_detail: missing.length ? `Missing required scope(s): ${missing.join(', ')}` : c.status_code === 'ERR_SCOPE_MISSING' ? null : c.status_detail,
      });
      if (missing.length) scopeMissing++;
    } catch (err) {
      if (err instanceof KustiqError && err.code === 'ERR_OAUTH_REVOKED') {
        revoked++;
        await markRevoked(s.knex, c.id, err.message);
        s.log.warn({ portalId: c.portal_id }, 'HubSpot connection revoked (ERR_OAUTH_REVOKED)');
      } else {
        s.log.warn({ portalId: c.portal_id, err: { message: (err as Error).message } }, 'token health check failed');
      }
    }
  }
  return { checked: rows.length, revoked, scopeMissing };
}

/**
 * Every 6 hours: exercise each refresh token (a forced refresh stores both tokens anew),
 * then re-encrypt every ciphertext still under an older key or format (tokens a refresh
 * missed, webhook secrets current and previous) and report which keys are still in use.
 */
export async function rotateTokens(s: InstallServices): Promise<{
  rotated: number; revoked: number;
  reencrypted: Awaited<ReturnType<InstallServices['vault']['reencryptAll']>>;
  keyUsage: Awaited<ReturnType<InstallServices['vault']['keyReport']>>;
}> {
  const rows = await s.knex('hubspot_connections').where({ status: 'connected' }).select('portal_id');
  let rotated = 0;
  let revoked = 0;
  for (const r of rows) {
    try {
      await s.vault.refresh(r.portal_id, true);
      rotated++;
    } catch (err) {
      if (err instanceof KustiqError && err.code === 'ERR_OAUTH_REVOKED') revoked++;
      else s.log.warn({ portalId: r.portal_id, err: { message: (err as Error).message } }, 'token rotation failed');
    }
  }
  const reencrypted = await s.vault.reencryptAll();
  return { rotated, revoked, reencrypted, keyUsage: await s.vault.keyReport() };
}
