import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { createLogger } from '../../log';
import { parseKeyring } from '../../vault/crypto';
import { keyReport, reencryptAll, type KeyReport, type ReencryptReport } from '../../vault/key-rotation';
import { emit } from '../output';

/**
 * `kustiq keys [--reencrypt]`: which encryption keys the stored ciphertexts (HubSpot tokens,
 * webhook secrets current and previous) still need, so an operator knows when an old key
 * may leave KUSTIQ_ENCRYPTION_KEYS; `--reencrypt` rewrites them all under the newest key now
 * instead of at the next 6-hourly rotation. Exit 1 when a ciphertext needs a key that is
 * not configured, or could not be re-encrypted.
 */
export function registerKeys(program: Command): void {
  program
    .command('keys')
    .description('show which encryption keys stored ciphertexts still use; --reencrypt rewrites them under the newest key')
    .option('--reencrypt', 'rewrite every ciphertext not yet under the newest key (no HubSpot call)')
    .option('--json', 'print the report as JSON')
    .action(async (opts) => {
      const config = loadConfig(process.env, ['KUSTIQ_ENCRYPTION_KEYS']);
      const keyring = parseKeyring(config.KUSTIQ_ENCRYPTION_KEYS!);
      const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
      const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
      try {
        const reencrypted = opts.reencrypt ? await reencryptAll(db.knex, keyring) : null;
        const report = await keyReport(db.knex, keyring);
        emit(!!opts.json, { ...report, ...(reencrypted ? { reencrypted } : {}) }, () => describe(report, reencrypted));
        if (report.missing.length || reencrypted?.failures.length) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}

function describe(r: KeyReport, re: ReencryptReport | null): string {
  const lines: string[] = [];
  if (re) {
    const t = Object.values(re.byPurpose).reduce((a, b) => ({ reencrypted: a.reencrypted + b.reencrypted, dropped: a.dropped + b.dropped }), { reencrypted: 0, dropped: 0 });
    lines.push(`Re-encrypted ${t.reencrypted} ciphertext(s) under ${r.encryptingKey}${t.dropped ? `; dropped ${t.dropped} expired previous webhook secret(s)` : ''}.`);
    for (const f of re.failures) lines.push(`  could not re-encrypt the ${f.purpose} of ${f.owner}: ${f.error}`);
  }
  lines.push(`Encrypting key: ${r.encryptingKey} (configured: ${r.configuredKeys.join(', ')})`);
  if (!r.inUse.length) lines.push('  no ciphertexts stored');
  for (const k of r.inUse) {
    const parts = Object.entries(k.byPurpose).map(([p, n]) => `${p} ${n}`).join(', ');
    lines.push(`  ${k.keyId}${k.configured ? '' : ' (NOT CONFIGURED)'}: ${k.count} ciphertext(s): ${parts}`);
  }
  if (r.olderFormat) lines.push(`  ${r.olderFormat} ciphertext(s) in an older format (rewritten by the rotation or kustiq keys --reencrypt)`);
  for (const k of r.missing) lines.push(`Key ${k} is needed but not configured: add it back to KUSTIQ_ENCRYPTION_KEYS, or those ciphertexts cannot be read.`);
  const stillUsed = r.inUse.filter((k) => k.keyId !== r.encryptingKey && k.configured).map((k) => k.keyId);
  if (stillUsed.length) lines.push(`Still in use: ${stillUsed.join(', ')}. Keep it configured; kustiq keys --reencrypt moves its ciphertexts to ${r.encryptingKey}.`);
  if (r.removable.length) lines.push(`No ciphertext uses ${r.removable.join(', ')}: it can be removed from KUSTIQ_ENCRYPTION_KEYS.`);
  return lines.join('\n');
}
