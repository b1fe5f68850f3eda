import type { Knex } from 'knex';
import { bindings, decrypt, encrypt, type Binding, type Keyring } from '../vault/crypto';
import { generateSecret, secretHint } from './signing';

/**
 * The workspace's signing secret, encrypted at rest like tokens (AES-GCM, bound to the
 * workspace and to its role, current or previous). The key rotation job re-encrypts both
 * under the newest key and drops a previous secret once its grace period is over
 * (server/vault/key-rotation.ts). Shown once when made or rotated; after that only its
 * hint. A rotation keeps the previous secret for ROTATION_GRACE_MS: each endpoint is signed
 * with the secret it last accepted, and when a receiver refuses that signature (it
 * switched) the attempt is re-signed at once with the other one, so a receiver that
 * updates its secret any time in the grace period loses nothing.
 */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

const aad = (workspaceId: string, which: 'current' | 'previous'): Binding =>
  which === 'current' ? bindings.webhookSecret(workspaceId) : bindings.previousWebhookSecret(workspaceId);

/** One stored secret in the clear (bound to its workspace and role: a ciphertext moved elsewhere does not decrypt). */
export function decryptSecret(keyring: Keyring, ciphertext: string, workspaceId: string, which: 'current' | 'previous'): string {
  return decrypt(keyring, ciphertext, aad(workspaceId, which));
}

export interface SigningSecrets { current: string; previous: string | null }

export interface SecretView { exists: boolean; hint: string | null; rotatedAt: Date | null; previousUntil: Date | null }

export async function secretView(db: Knex, keyring: Keyring, workspaceId: string, now = new Date()): Promise<SecretView> {
  const row = await db('webhook_secrets').where({ workspace_id: workspaceId }).first();
  if (!row) return { exists: false, hint: null, rotatedAt: null, previousUntil: null };
  const secret = decrypt(keyring, row.secret_enc, aad(workspaceId, 'current'));
  const until = row.previous_until && new Date(row.previous_until) > now ? new Date(row.previous_until) : null;
  return { exists: true, hint: secretHint(secret), rotatedAt: row.rotated_at, previousUntil: until };
}

/**
 * Makes the workspace's first secret, or rotates it; returns the new secret, the only time
 * it is ever shown. Endpoints keep being signed with the previous one until they accept the new.
 */
export async function rotateSecret(knex: Knex, keyring: Keyring, workspaceId: string, now = new Date()): Promise<{ secret: string; previousUntil: Date | null }> {
  const secret = generateSecret();
  return knex.transaction(async (trx) => {
    const row = await trx('webhook_secrets').where({ workspace_id: workspaceId }).forUpdate().first();
    if (!row) {
      await trx('webhook_secrets').insert({ workspace_id: workspaceId, secret_enc: encrypt(keyring, secret, aad(workspaceId, 'current')), rotated_at: now });
      return { secret, previousUntil: null };
    }
    const old = decrypt(keyring, row.secret_enc, aad(workspaceId, 'current'));
    const previousUntil = new Date(now.getTime() + ROTATION_GRACE_MS);
    await trx('webhook_secrets').where({ workspace_id: workspaceId }).update({
      secret_enc: encrypt(keyring, secret, aad(workspaceId, 'current')), previous_enc: encrypt(keyring, old, aad(workspaceId, 'previous')),
      previous_until: previousUntil, rotated_at: now,
    });
    await trx('webhook_endpoints').where({ workspace_id: workspaceId }).update({ signing: 'previous' });
    return { secret, previousUntil };
  });
}

/** Sets the workspace's secret to one the operator chose (the demo's --webhook-secret), replacing any other at once. */
export async function setSecret(knex: Knex, keyring: Keyring, workspaceId: string, secret: string): Promise<void> {
  if (secret.length < 16) throw new Error('a webhook secret must have at least 16 characters');
  await knex('webhook_secrets').insert({ workspace_id: workspaceId, secret_enc: encrypt(keyring, secret, aad(workspaceId, 'current')), previous_enc: null, previous_until: null, rotated_at: new Date() })
    .onConflict('workspace_id').merge();
}
