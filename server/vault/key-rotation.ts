import type { Knex } from 'knex';
import { bindings, currentPrefix, decrypt, encrypt, FORMAT, type Binding, type Keyring, type Purpose } from './crypto';

/**
 * Every column that holds a keyring ciphertext, one per purpose. The rotation job rewrites
 * them all under the newest key and format, and the key report counts them all, so an old
 * key is reported in use while any of them still needs it. A new encrypted column is added
 * here (test/install/key-rotation.test.ts fails on a `*_enc` column missing from this list).
 */
export interface SealedColumn {
  purpose: Purpose;
  table: string;
  /** The row's primary key (rows are visited in its order). */
  key: string;
  column: string;
  /** The column naming the owner the ciphertext is bound to. */
  ownerColumn: string;
  binding: (owner: string) => Binding;
  /** When the ciphertext is no longer needed (SQL, `?` is now): dropped instead of re-encrypted. */
  expiredWhen?: string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { purpose: 'hubspot-access-token', table: 'hubspot_connections', key: 'id', column: 'access_token_enc', ownerColumn: 'portal_id', binding: bindings.accessToken },
  { purpose: 'hubspot-refresh-token', table: 'hubspot_connections', key: 'id', column: 'refresh_token_enc', ownerColumn: 'portal_id', binding: bindings.refreshToken },
  { purpose: 'webhook-secret', table: 'webhook_secrets', key: 'workspace_id', column: 'secret_enc', ownerColumn: 'workspace_id', binding: bindings.webhookSecret },
  // The previous secret signs nothing once its 24-hour grace period is over (server/webhooks/deliver.ts).
  {
    purpose: 'webhook-previous-secret', table: 'webhook_secrets', key: 'workspace_id', column: 'previous_enc', ownerColumn: 'workspace_id',
    binding: bindings.previousWebhookSecret, expiredWhen: 'previous_until is null or previous_until <= ?',
  },
];

export interface ReencryptTally { reencrypted: number; dropped: number; unreadable: number }
export interface ReencryptReport {
  byPurpose: Record<Purpose, ReencryptTally>;
  /** Ciphertexts that could not be decrypted (their key is gone, or they were altered): left as they are. */
  failures: { purpose: Purpose; owner: string; error: string }[];
}

const PAGE = 200;

/**
 * Rewrites every ciphertext not yet in the newest format under the newest key: decrypted
 * with its binding, encrypted again with a fresh nonce. Each write is a compare-and-set on
 * the old ciphertext, so a token refreshed or a secret rotated meanwhile (already written
 * under the newest key) is left alone. Needs no HubSpot call; safe to run on any number of
 * processes at once.
 */
export async function reencryptAll(knex: Knex, keyring: Keyring, now = new Date()): Promise<ReencryptReport> {
  const prefix = currentPrefix(keyring);
  const report: ReencryptReport = { byPurpose: {} as Record<Purpose, ReencryptTally>, failures: [] };
  for (const c of SEALED_COLUMNS) {
    const tally: ReencryptTally = { reencrypted: 0, dropped: 0, unreadable: 0 };
    report.byPurpose[c.purpose] = tally;
    let after: string | null = null;
    for (;;) {
      const q = knex(c.table)
        .select(knex.raw('?? as key, ?? as owner, ?? as ct', [c.key, c.ownerColumn, c.column]))
        .select(c.expiredWhen ? knex.raw(`(${c.expiredWhen}) as expired`, [now]) : knex.raw('false as expired'))
        .whereNotNull(c.column)
        .whereRaw('left(??, ?) <> ?', [c.column, prefix.length, prefix])
        .orderBy(c.key)
        .limit(PAGE);
      if (after !== null) q.where(c.key, '>', after);
      const rows: { key: string; owner: string; ct: string; expired?: boolean }[] = await q;
      for (const r of rows) {
        const same = () => knex(c.table).where(c.key, r.key).where(c.column, r.ct);
        if (r.expired) {
          tally.dropped += await same().update({ [c.column]: null });
          continue;
        }
        const binding = c.binding(String(r.owner));
        let fresh: string;
        try {
          fresh = encrypt(keyring, decrypt(keyring, r.ct, binding), binding);
        } catch (err) {
          tally.unreadable++;
          report.failures.push({ purpose: c.purpose, owner: binding.owner, error: (err as Error).message });
          continue;
        }
        tally.reencrypted += await same().update({ [c.column]: fresh });
      }
      if (rows.length < PAGE) break;
      after = String(rows[rows.length - 1]!.key);
    }
  }
  return report;
}

export interface KeyUsageRow { purpose: Purpose; format: string; keyId: string; count: number }

/** How many ciphertexts each key (and format) holds, per purpose. */
export async function keyUsage(knex: Knex): Promise<KeyUsageRow[]> {
  const out: KeyUsageRow[] = [];
  for (const c of SEALED_COLUMNS) {
    const rows: { format: string; key_id: string; n: string }[] = await knex(c.table)
      .select(knex.raw("split_part(??, '.', 1) as format, split_part(??, '.', 2) as key_id, count(*) as n", [c.column, c.column]))
      .whereNotNull(c.column)
      .groupByRaw('1, 2')
      .orderByRaw('1, 2');
    for (const r of rows) out.push({ purpose: c.purpose, format: r.format, keyId: r.key_id, count: Number(r.n) });
  }
  return out;
}

/** Key ids any ciphertext still needs: a key may be removed from KUSTIQ_ENCRYPTION_KEYS only when it is not listed here. */
export async function keyIdsInUse(knex: Knex): Promise<string[]> {
  return [...new Set((await keyUsage(knex)).map((u) => u.keyId))].sort();
}

export interface KeyReport {
  /** The key new ciphertexts are made with (the last in KUSTIQ_ENCRYPTION_KEYS). */
  encryptingKey: string;
  configuredKeys: string[];
  /** Per key id: ciphertexts by purpose. */
  inUse: { keyId: string; configured: boolean; count: number; byPurpose: Partial<Record<Purpose, number>> }[];
  /** Ciphertexts still in an older format (rewritten by the rotation job). */
  olderFormat: number;
  /** Configured keys no ciphertext needs: they can be removed. */
  removable: string[];
  /** Keys ciphertexts need that are not configured: those ciphertexts cannot be read. */
  missing: string[];
  /** True when nothing but the encrypting key is in use, in the newest format. */
  rotated: boolean;
}

export async function keyReport(knex: Knex, keyring: Keyring): Promise<KeyReport> {
  const usage = await keyUsage(knex);
  const ids = [...new Set(usage.map((u) => u.keyId))].sort();
  const inUse = ids.map((keyId) => {
    const mine = usage.filter((u) => u.keyId === keyId);
    const byPurpose: Partial<Record<Purpose, number>> = {};
    for (const u of mine) byPurpose[u.purpose] = (byPurpose[u.purpose] ?? 0) + u.count;
    return { keyId, configured: keyring.byId.has(keyId), count: mine.reduce((n, u) => n + u.count, 0), byPurpose };
  });
  const olderFormat = usage.filter((u) => u.format !== FORMAT).reduce((n, u) => n + u.count, 0);
  const configuredKeys = [...keyring.byId.keys()];
  return {
    encryptingKey: keyring.current.id,
    configuredKeys,
    inUse,
    olderFormat,
    removable: configuredKeys.filter((k) => !ids.includes(k) && k !== keyring.current.id),
    missing: ids.filter((k) => !keyring.byId.has(k)),
    rotated: usage.every((u) => `${u.format}.${u.keyId}.` === currentPrefix(keyring)),
  };
}
