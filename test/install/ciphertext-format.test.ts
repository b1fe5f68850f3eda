import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log';
import { bindings, decrypt, encrypt, formatOf, keyIdOf, parseKeyring, PURPOSES, type Binding, type Keyring } from '../../server/vault/crypto';
import { keyReport, reencryptAll } from '../../server/vault/key-rotation';
import { TokenVault } from '../../server/vault/token-vault';
import { decryptSecret, rotateSecret, secretView } from '../../server/webhooks/webhook-secrets';
import { secretHint } from '../../server/webhooks/signing';
import { testKey, useBackend } from '../support/backend';

/**
 * Format v1 exactly as it was written before purposes were bound (AES-256-GCM, the owner
 * alone as associated data for tokens): what existing installs hold. `tagBytes` below 16
 * makes the short tags GCM allows, which the old decrypt accepted.
 */
function encryptV1(keyring: Keyring, plaintext: string, aad: string, tagBytes = 16): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', keyring.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** The same ciphertext with its tag cut to `bytes` (GCM's shorter tags are exactly such prefixes). */
function truncateTag(ciphertext: string, bytes: number): string {
  const p = ciphertext.split('.');
  p[3] = Buffer.from(p[3]!, 'base64url').subarray(0, bytes).toString('base64url');
  return p.join('.');
}

describe('ciphertexts: full tags, bound to their purpose and owner', () => {
  const ring = parseKeyring(testKey());
  const all: Binding[] = [bindings.accessToken(7), bindings.refreshToken(7), bindings.webhookSecret('ws-1'), bindings.previousWebhookSecret('ws-1')];

  it('a tag truncated to 12 or 4 bytes is refused (new and old format alike)', () => {
    const b = bindings.accessToken(7);
    const v2 = encrypt(ring, 'token-value', b);
    expect(Buffer.from(v2.split('.')[3]!, 'base64url')).toHaveLength(16);
    expect(decrypt(ring, v2, b)).toBe('token-value');
    for (const n of [12, 4]) expect(() => decrypt(ring, truncateTag(v2, n), b), `${n}-byte tag`).toThrow(/16 bytes/);
    // An old-format ciphertext whose short tag is genuine (GCM computed it with that length) is refused too.
    for (const n of [12, 4]) {
      const short = encryptV1(ring, 'token-value', b.v1Aad, n);
      expect(() => decrypt(ring, short, b), `v1 with a ${n}-byte tag`).toThrow(/16 bytes/);
      expect(() => decrypt(ring, truncateTag(encryptV1(ring, 'token-value', b.v1Aad), n), b)).toThrow(/16 bytes/);
    }
    // A padded or re-encoded tag is not a way around it.
    const p = v2.split('.');
    expect(() => decrypt(ring, [p[0], p[1], p[2], `${p[3]}AA`, p[4]].join('.'), b)).toThrow();
    expect(() => decrypt(ring, [p[0], p[1], p[2], `${p[3]!.slice(0, 10)}=${p[3]!.slice(10)}`, p[4]].join('.'), b)).toThrow(/not a Kustiq ciphertext/);
  });

  it('decrypts only as what it was written as: each purpose and owner, never another', () => {
    expect(all.map((b) => b.purpose).sort()).toEqual([...PURPOSES].sort());
    for (const written of all) {
      const ct = encrypt(ring, 'plain', written);
      expect(formatOf(ct)).toBe('v2');
      for (const read of all) {
        if (read === written) expect(decrypt(ring, ct, read)).toBe('plain');
        else expect(() => decrypt(ring, ct, read), `${written.purpose} read as ${read.purpose}`).toThrow(/does not authenticate/);
      }
    }
    // Same purpose, another owner.
    expect(() => decrypt(ring, encrypt(ring, 'plain', bindings.refreshToken(7)), bindings.refreshToken(8))).toThrow(/does not authenticate/);
    expect(() => decrypt(ring, encrypt(ring, 'plain', bindings.webhookSecret('ws-1')), bindings.webhookSecret('ws-2'))).toThrow(/does not authenticate/);
  });

  it('a new-format ciphertext relabelled as the old format, or as another key, does not decrypt', () => {
    const two = parseKeyring(`${testKey()},${testKey()}`);
    const b = bindings.refreshToken(7);
    const ct = encrypt(two, 'plain', b);
    // Downgrade: as v1 it would be checked against the v1 associated data (no purpose): refused.
    expect(() => decrypt(two, ct.replace(/^v2\./, 'v1.'), b)).toThrow(/does not authenticate/);
    const other = [...two.byId.keys()].find((k) => k !== keyIdOf(ct))!;
    expect(() => decrypt(two, ct.replace(`.${keyIdOf(ct)}.`, `.${other}.`), b)).toThrow(/does not authenticate/);
    expect(() => decrypt(two, ct.replace(/^v2\./, 'v3.'), b)).toThrow(/not a Kustiq ciphertext/);
  });

  it('old-format ciphertexts still decrypt with the associated data they were written with', () => {
    for (const b of all) expect(decrypt(ring, encryptV1(ring, `plain ${b.purpose}`, b.v1Aad), b)).toBe(`plain ${b.purpose}`);
    expect(() => decrypt(ring, encryptV1(ring, 'plain', 'portal:7'), bindings.accessToken(8))).toThrow();
  });

  it('a key id with a dot (a field separator of the format) is refused when the keyring is read', () => {
    expect(() => parseKeyring(`k.1:${randomBytes(32).toString('base64')}`)).toThrow(/must not contain a dot/);
  });
});

describe('ciphertexts in the database', () => {
  const fx = useBackend({ portalId: 24_800_001 });
  const portal = () => fx.emu.portalId;
  const conn = () => fx.db.knex('hubspot_connections').where({ portal_id: String(portal()) }).first();
  const ring = () => fx.services.keyring;

  it('a refresh token swapped into the access-token column, or one webhook secret into the other\u2019s, fails to decrypt', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    const before = await conn();
    const realAccess = await fx.services.vault.accessToken(portal());
    await fx.db.knex('hubspot_connections').where({ id: before.id }).update({ access_token_enc: before.refresh_token_enc });
    await expect(fx.services.vault.accessToken(portal())).rejects.toThrow(/does not authenticate as a hubspot-access-token/);
    await fx.db.knex('hubspot_connections').where({ id: before.id }).update({ access_token_enc: before.access_token_enc });
    expect(await fx.services.vault.accessToken(portal())).toBe(realAccess);

    const ws = before.workspace_id as string;
    await rotateSecret(fx.db.knex, ring(), ws);
    await rotateSecret(fx.db.knex, ring(), ws);
    const s = await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).first();
    expect(() => decryptSecret(ring(), s.previous_enc, ws, 'current')).toThrow(/does not authenticate/);
    expect(() => decryptSecret(ring(), s.secret_enc, ws, 'previous')).toThrow(/does not authenticate/);
    // Nor does a token pass for a webhook secret.
    expect(() => decryptSecret(ring(), before.refresh_token_enc, ws, 'current')).toThrow(/does not authenticate/);
    await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).update({ secret_enc: s.previous_enc, previous_enc: s.secret_enc });
    await expect(secretView(fx.db.knex, ring(), ws)).rejects.toThrow(/does not authenticate as a webhook-secret/);
    await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).update({ secret_enc: s.secret_enc, previous_enc: s.previous_enc });
  });

  it('an existing install\u2019s old-format ciphertexts keep working, and the rotation rewrites them in the new format', async () => {
    const c = await conn();
    const ws = c.workspace_id as string;
    const k = ring();
    // The install as a version before this format stored it: every column in v1.
    const access = decrypt(k, c.access_token_enc, bindings.accessToken(portal()));
    const refresh = decrypt(k, c.refresh_token_enc, bindings.refreshToken(portal()));
    const s = await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).first();
    const current = decryptSecret(k, s.secret_enc, ws, 'current');
    const previous = decryptSecret(k, s.previous_enc, ws, 'previous');
    await fx.db.knex('hubspot_connections').where({ id: c.id }).update({
      access_token_enc: encryptV1(k, access, `portal:${portal()}`), refresh_token_enc: encryptV1(k, refresh, `portal:${portal()}`),
      access_expires_at: new Date(Date.now() + 20 * 60_000),
    });
    await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).update({
      secret_enc: encryptV1(k, current, `webhook-secret:${ws}:current`), previous_enc: encryptV1(k, previous, `webhook-secret:${ws}:previous`),
    });
    const vault = new TokenVault(fx.db.knex, k, fx.services.oauth, createLogger('silent'));
    expect(await vault.accessToken(portal())).toBe(access);
    expect(vault.refreshTokenOf(await conn())).toBe(refresh);
    expect((await secretView(fx.db.knex, k, ws)).hint).toBe(secretHint(current));
    expect(decryptSecret(k, (await fx.db.knex('webhook_secrets').first()).previous_enc, ws, 'previous')).toBe(previous);
    expect((await keyReport(fx.db.knex, k)).olderFormat).toBe(4);
    expect((await keyReport(fx.db.knex, k)).rotated).toBe(false);

    // The rotation rewrites all four in v2 under the same (still newest) key; the plaintexts are unchanged.
    const out = await reencryptAll(fx.db.knex, k);
    expect(Object.values(out.byPurpose).map((t) => t.reencrypted)).toEqual([1, 1, 1, 1]);
    expect(out.failures).toEqual([]);
    const c2 = await conn();
    const s2 = await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).first();
    for (const ct of [c2.access_token_enc, c2.refresh_token_enc, s2.secret_enc, s2.previous_enc]) expect(formatOf(ct)).toBe('v2');
    expect(await vault.accessToken(portal())).toBe(access);
    expect(vault.refreshTokenOf(c2)).toBe(refresh);
    expect(decryptSecret(k, s2.secret_enc, ws, 'current')).toBe(current);
    expect(decryptSecret(k, s2.previous_enc, ws, 'previous')).toBe(previous);
    expect(await keyReport(fx.db.knex, k)).toMatchObject({ olderFormat: 0, rotated: true });
    // Nothing left to do: a second run rewrites nothing.
    expect(Object.values((await reencryptAll(fx.db.knex, k)).byPurpose).map((t) => t.reencrypted)).toEqual([0, 0, 0, 0]);
    // And the token still works at HubSpot.
    const api = await fetch(`${fx.emu.url}/crm/v3/objects/companies?limit=1`, { headers: { authorization: `Bearer ${access}` } });
    expect(api.status).toBe(200);
  });
});
