import type PgBoss from 'pg-boss';
import { checkTokenHealth, rotateTokens } from '../install/connection';
import type { InstallServices } from '../install/services';

/**
 * Token upkeep on pg-boss schedules (any number of workers; pg-boss runs each tick once):
 * a health check every 5 minutes notices HubSpot-side uninstalls and scopes taken away;
 * every 6 hours each refresh token is exercised and re-encrypted under the newest key.
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
    s.log.info(out, 'token rotation');
    return out;
  });
}
