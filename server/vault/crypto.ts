import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a keyring: every ciphertext names the key that made it
 * (`v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url). The last configured key encrypts;
 * all configured keys decrypt, so keys rotate without downtime.
 */
export interface Keyring {
  current: { id: string; key: Buffer };
  byId: Map<string, Buffer>;
}

export function parseKeyring(spec: string): Keyring {
  const entries = spec.split(',').map((pair, i) => {
    const [id, b64] = pair.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || key.length !== 32) throw new Error(`KUSTIQ_ENCRYPTION_KEYS entry ${i + 1} ("${id ?? ''}") must be keyId:base64 of 32 bytes`);
    return [id, key] as const;
  });
  const byId = new Map(entries);
  if (byId.size !== entries.length) throw new Error('KUSTIQ_ENCRYPTION_KEYS has a key id twice');
  const [id, key] = entries[entries.length - 1]!;
  return { current: { id, key }, byId };
}

export function encrypt(keyring: Keyring, plaintext: string, aad = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  if (aad) cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', keyring.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function keyIdOf(ciphertext: string): string {
  return ciphertext.split('.')[1] ?? '';
}

export function decrypt(keyring: Keyring, ciphertext: string, aad = ''): string {
  const [v, keyId, iv, tag, ct] = ciphertext.split('.');
  if (v !== 'v1' || !keyId || !iv || !tag || ct === undefined) throw new Error('not a Kustiq ciphertext');
  const key = keyring.byId.get(keyId);
  if (!key) throw new Error(`ciphertext was made with key "${keyId}", which is not configured`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  if (aad) decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
