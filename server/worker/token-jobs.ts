import type PgBoss from 'pg-boss';
import { checkTokenHealth, rotateTokens } from '../install/connection';
import type { InstallServices } from '../install/services';

/**
 * Token upkeep on pg-boss schedules (any number of workers; pg-boss runs each tick once):
 * a health check every 5 minutes notices HubSpot-side uninstalls and scopes taken away;
 * every 6 hours each refresh token is exercised, and every ciphertext (tokens, webhook
 * secrets) is re-encrypted under the newest key; the log says which keys are still in use
 * and which can be removed (`kustiq keys` says the same on demand).
 */
export const TOKEN_HEALTH_QUEUE = 'hubspot-token-health';
export const TOKEN_ROTATION_QUEUE = 'hubspot-token-rotation';

export async function registerTokenJobs(boss: PgBoss, s: InstallServices): Promise<void> {
  for (const q of [TOKEN_HEALTH_QUEUE, TOKEN_ROTATION_QUEUE]) await boss.createQueue(q, { name: q, policy: 'singleton' } as PgBoss.Queue);
  await boss.schedule(TOKEN_HEALTH_QUEUE, '*/5 * * * *');
  await boss.schedule(TOKEN_ROTATION_QUEUE, '17 */6 * * *');
  await boss.work(TOKEN_HEALTH_QUEUE, async () => {
    const out = await checkTokenHealth(s);
    s.log.info(out, 'token health check');
    return out;
  });
  await boss.work(TOKEN_ROTATION_QUEUE, async () => {
    const out = await rotateTokens(s);
    const keys = out.keyUsage; // (not logged as `keys`: the logger redacts fields of that name)
    s.log.info({ ...out, keyIdsInUse: keys.inUse.map((k) => k.keyId) }, 'token rotation');
    if (out.reencrypted.failures.length) s.log.warn({ failures: out.reencrypted.failures }, 'key rotation: ciphertexts that could not be decrypted were left as they are');
    if (keys.missing.length) s.log.error({ missing: keys.missing }, `key rotation: ciphertexts need key(s) ${keys.missing.join(', ')}, which KUSTIQ_ENCRYPTION_KEYS no longer has`);
    else if (keys.removable.length) s.log.info({ removable: keys.removable }, `key rotation: no ciphertext uses ${keys.removable.join(', ')} any more; it can be removed from KUSTIQ_ENCRYPTION_KEYS`);
    return out;
  });
}
