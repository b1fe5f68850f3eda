import type { Knex } from 'knex';
import { KustiqError } from '../errors/codes';
import type { HubSpotOAuth, Tokens } from '../hubspot/oauth-client';
import type { Logger } from '../log';
import { bindings, decrypt, encrypt, type Keyring } from './crypto';
import { keyIdsInUse, keyReport, reencryptAll, type KeyReport, type ReencryptReport } from './key-rotation';

/** Refresh this long before HubSpot's 30-minute expiry, so no call goes out with a dying token. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

export interface ConnectionRow {
  id: string;
  workspace_id: string;
  portal_id: string;
  status: 'connected' | 'disconnected';
  status_code: string | null;
  refresh_token_enc: string | null;
  access_token_enc: string | null;
  access_expires_at: Date | null;
}

/**
 * The token vault. Tokens are encrypted at rest (AES-256-GCM, key id in every
 * ciphertext, the portal id and the token's kind as associated data so a ciphertext cannot
 * be moved to another row, nor a refresh token into the access token's column). One refresh per portal at a time across every process: a Postgres advisory lock,
 * with an in-process single flight in front so a burst of callers shares one wait.
 */
export class TokenVault {
  private readonly inflight = new Map<string, Promise<string>>();
  refreshCount = 0;

  constructor(
    private readonly knex: Knex,
    private readonly keyring: Keyring,
    private readonly oauth: HubSpotOAuth,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  encryptedTokens(portalId: string | number, tokens: Pick<Tokens, 'access_token' | 'refresh_token' | 'expires_in'>) {
    return {
      refresh_token_enc: encrypt(this.keyring, tokens.refresh_token, bindings.refreshToken(portalId)),
      access_token_enc: encrypt(this.keyring, tokens.access_token, bindings.accessToken(portalId)),
      access_expires_at: new Date(this.now() + tokens.expires_in * 1000),
    };
  }

  /** A valid access token for the portal, refreshing it ahead of expiry. */
  async accessToken(portalId: string | number): Promise<string> {
    const row = await this.row(this.knex, portalId);
    if (row.access_token_enc && row.access_expires_at && row.access_expires_at.getTime() - this.now() > REFRESH_AHEAD_MS) {
      return decrypt(this.keyring, row.access_token_enc, bindings.accessToken(portalId));
    }
    return this.refresh(portalId);
  }

  /** Refreshes now (force) or if still needed once the lock is held. Shared by concurrent callers. */
  refresh(portalId: string | number, force = false): Promise<string> {
    const key = `${portalId}:${force}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.refreshLocked(portalId, force).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async row(db: Knex | Knex.Transaction, portalId: string | number, forUpdate = false): Promise<ConnectionRow> {
    const q = db<ConnectionRow>('hubspot_connections').where({ portal_id: String(portalId) }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    if (!row) throw new Error(`no HubSpot connection for portal ${portalId}`);
    if (row.status !== 'connected' || !row.refresh_token_enc) {
      throw new KustiqError('ERR_OAUTH_REVOKED', `HubSpot portal ${portalId} is disconnected; reconnect from Settings → Integrations`);
    }
    return row;
  }

  private async refreshLocked(portalId: string | number, force: boolean): Promise<string> {
    let revoked: KustiqError | null = null;
    const token = await this.knex.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`kustiq:hubspot-token:${portalId}`]);
      const row = await this.row(trx, portalId, true);
      // Another process may have refreshed while we waited for the lock.
      if (!force && row.access_token_enc && row.access_expires_at && row.access_expires_at.getTime() - this.now() > REFRESH_AHEAD_MS) {
        return decrypt(this.keyring, row.access_token_enc, bindings.accessToken(portalId));
      }
      let tokens: Tokens;
      try {
        this.refreshCount++;
        tokens = await this.oauth.refresh(decrypt(this.keyring, row.refresh_token_enc!, bindings.refreshToken(portalId)));
      } catch (err) {
        if (err instanceof KustiqError && err.code === 'ERR_OAUTH_REVOKED') {
          revoked = err;
          await markRevoked(trx, row.id, err.message);
          return '';
        }
        throw err;
      }
      // A new refresh token from HubSpot replaces the old; either way it is re-encrypted
      // under the newest key with a fresh nonce.
      await trx('hubspot_connections').where({ id: row.id }).update({
        ...this.encryptedTokens(portalId, tokens),
        refreshed_at: new Date(this.now()),
        ...(force ? { rotated_at: new Date(this.now()) } : {}),
        updated_at: new Date(this.now()),
      });
      this.log.info({ portalId: String(portalId), keyId: this.keyring.current.id, rotated: force }, 'HubSpot access token refreshed');
      return tokens.access_token;
    });
    if (revoked) throw revoked;
    return token;
  }

  /** Keys still in use by any ciphertext the keyring made, tokens and webhook secrets alike (for operators retiring an old key). */
  keyIdsInUse(): Promise<string[]> {
    return keyIdsInUse(this.knex);
  }

  /** Rewrites every ciphertext (tokens, webhook secrets) not yet under the newest key and format; no HubSpot call. */
  reencryptAll(): Promise<ReencryptReport> {
    return reencryptAll(this.knex, this.keyring, new Date(this.now()));
  }

  /** Which keys hold which ciphertexts, and which configured keys can be removed. */
  keyReport(): Promise<KeyReport> {
    return keyReport(this.knex, this.keyring);
  }

  refreshTokenOf(row: Pick<ConnectionRow, 'refresh_token_enc' | 'portal_id'>): string | null {
    return row.refresh_token_enc ? decrypt(this.keyring, row.refresh_token_enc, bindings.refreshToken(row.portal_id)) : null;
  }
}

/** ERR_OAUTH_REVOKED: disconnected, tokens dropped, kustiq_* values stay on records. */
export async function markRevoked(db: Knex | Knex.Transaction, connectionId: string, detail: string): Promise<void> {
  await db('hubspot_connections').where({ id: connectionId }).update({
    status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED', status_detail: detail,
    refresh_token_enc: null, access_token_enc: null, access_expires_at: null,
    disconnected_at: db.fn.now(), updated_at: db.fn.now(),
  });
}
