import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log';
import { registerTokenJobs, TOKEN_HEALTH_QUEUE } from '../../server/worker/token-jobs';
import { startWorker } from '../../server/worker/worker';
import { useBackend } from '../support/backend';

describe('token upkeep on pg-boss', () => {
  const fx = useBackend({ portalId: 24_600_001 });

  it('schedules the 5-minute health check and the 6-hour rotation; a health run marks an uninstalled portal', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    const worker = await startWorker(fx.db.url, createLogger('silent'));
    try {
      await registerTokenJobs(worker.boss, fx.services);
      const schedules = await worker.boss.getSchedules();
      expect(schedules.map((s) => [s.name, s.cron]).sort()).toEqual([['hubspot-token-health', '*/5 * * * *'], ['hubspot-token-rotation', '17 */6 * * *']]);
      await fx.admin.call('POST', `/portals/${fx.emu.portalId}/uninstall`);
      const id = await worker.boss.send(TOKEN_HEALTH_QUEUE, {});
      let state = '';
      for (let i = 0; i < 100 && state !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        state = (await worker.boss.getJobById(TOKEN_HEALTH_QUEUE, id!))?.state ?? '';
      }
      expect(state).toBe('completed');
      const row = await fx.db.knex('hubspot_connections').first();
      expect(row).toMatchObject({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED' });
    } finally {
      await worker.stop();
    }
  });
});
