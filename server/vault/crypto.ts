import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a keyring: every ciphertext names the key that made it
 * (`v2.<keyId>.<iv>.<tag>.<ciphertext>`, base64url). The last configured key encrypts;
 * all configured keys decrypt, so keys rotate without downtime.
 *
 * Every ciphertext is bound, as associated data, to what it is (its purpose: an access
 * token, a refresh token, a webhook secret, a previous webhook secret) and whose it is (a
 * portal, a workspace), and to its format and key id: a ciphertext copied into another
 * column or another row, or relabelled, does not decrypt. Tags are 16 bytes, never fewer.
 *
 * Format v1 (before purposes were bound) is still read, with the associated data it was
 * written with; it is never written. The key rotation job rewrites v1 ciphertexts as v2
 * (server/vault/key-rotation.ts).
 */
export interface Keyring {
  current: { id: string; key: Buffer };
  byId: Map<string, Buffer>;
}

/** What the keyring encrypts. Each purpose is bound into its ciphertexts' associated data. */
export const PURPOSES = ['hubspot-access-token', 'hubspot-refresh-token', 'webhook-secret', 'webhook-previous-secret'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** What one ciphertext is and whose it is: it decrypts only with the same binding. */
export interface Binding {
  purpose: Purpose;
  /** The row it belongs to: `portal:<id>` or `workspace:<id>`. */
  owner: string;
  /** The associated data format v1 used for this ciphertext (the owner only: no purpose for tokens). */
  v1Aad: string;
}

export const bindings = {
  accessToken: (portalId: string | number): Binding => ({ purpose: 'hubspot-access-token', owner: `portal:${portalId}`, v1Aad: `portal:${portalId}` }),
  refreshToken: (portalId: string | number): Binding => ({ purpose: 'hubspot-refresh-token', owner: `portal:${portalId}`, v1Aad: `portal:${portalId}` }),
  webhookSecret: (workspaceId: string): Binding => ({ purpose: 'webhook-secret', owner: `workspace:${workspaceId}`, v1Aad: `webhook-secret:${workspaceId}:current` }),
  previousWebhookSecret: (workspaceId: string): Binding => ({ purpose: 'webhook-previous-secret', owner: `workspace:${workspaceId}`, v1Aad: `webhook-secret:${workspaceId}:previous` }),
};

/** The version written; `v1` is read only. */
export const FORMAT = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

export function parseKeyring(spec: string): Keyring {
  const entries = spec.split(',').map((pair, i) => {
    const [id, b64] = pair.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || key.length !== 32) throw new Error(`KUSTIQ_ENCRYPTION_KEYS entry ${i + 1} ("${id ?? ''}") must be keyId:base64 of 32 bytes`);
    // The key id is a field of every ciphertext (dot-separated): a dot in it would make them unreadable.
    if (id.includes('.')) throw new Error(`KUSTIQ_ENCRYPTION_KEYS entry ${i + 1}: the key id "${id}" must not contain a dot`);
    return [id, key] as const;
  });
  const byId = new Map(entries);
  if (byId.size !== entries.length) throw new Error('KUSTIQ_ENCRYPTION_KEYS has a key id twice');
  const [id, key] = entries[entries.length - 1]!;
  return { current: { id, key }, byId };
}

/** v2's associated data: the format, the key id, the purpose and the owner (last, so the string is unambiguous). */
function v2Aad(keyId: string, b: Binding): Buffer {
  return Buffer.from(`kustiq:${FORMAT}:${keyId}:${b.purpose}:${b.owner}`);
}

export function encrypt(keyring: Keyring, plaintext: string, binding: Binding): string {
  const { id, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(v2Aad(id, binding));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function keyIdOf(ciphertext: string): string {
  return ciphertext.split('.')[1] ?? '';
}

export function formatOf(ciphertext: string): string {
  return ciphertext.split('.')[0] ?? '';
}

/** The prefix of a ciphertext already in the newest format under the newest key (nothing to rewrite). */
export function currentPrefix(keyring: Keyring): string {
  return `${FORMAT}.${keyring.current.id}.`;
}

export function decrypt(keyring: Keyring, ciphertext: string, binding: Binding): string {
  const parts = ciphertext.split('.');
  const [v, keyId, ivText, tagText, ctText] = parts;
  if (parts.length !== 5 || (v !== 'v1' && v !== FORMAT) || !keyId || ![ivText, tagText, ctText].every((p) => p !== undefined && B64URL.test(p))) {
    throw new Error('not a Kustiq ciphertext');
  }
  const key = keyring.byId.get(keyId);
  if (!key) throw new Error(`ciphertext was made with key "${keyId}", which is not configured`);
  const iv = Buffer.from(ivText!, 'base64url');
  const tag = Buffer.from(tagText!, 'base64url');
  // GCM would accept a tag cut to as little as 4 bytes (a forgery in 2^32 tries): only full tags are taken.
  if (iv.length !== IV_BYTES) throw new Error('not a Kustiq ciphertext (nonce length)');
  if (tag.length !== TAG_BYTES) throw new Error('not a Kustiq ciphertext (authentication tag must be 16 bytes)');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (v === FORMAT) decipher.setAAD(v2Aad(keyId, binding));
  else if (binding.v1Aad) decipher.setAAD(Buffer.from(binding.v1Aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(ctText!, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`ciphertext does not authenticate as a ${binding.purpose} of ${binding.owner} (altered, or moved from another column or row)`);
  }
}
