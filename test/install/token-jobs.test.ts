import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log';
import { parseKeyring } from '../../server/vault/crypto';
import { TokenVault } from '../../server/vault/token-vault';
import { rotateSecret } from '../../server/webhooks/webhook-secrets';
import { registerTokenJobs, TOKEN_HEALTH_QUEUE, TOKEN_ROTATION_QUEUE } from '../../server/worker/token-jobs';
import { startWorker } from '../../server/worker/worker';
import { testKey, useBackend } from '../support/backend';

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

  it('the rotation job re-encrypts tokens and webhook secrets under the newest key and logs which key can be removed', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    const ws = (await fx.db.knex('hubspot_connections').first()).workspace_id;
    await rotateSecret(fx.db.knex, fx.services.keyring, ws);
    const oldId = fx.env.KUSTIQ_ENCRYPTION_KEYS!.split(':')[0];
    const newKey = testKey();
    const keyring = parseKeyring(`${fx.env.KUSTIQ_ENCRYPTION_KEYS},${newKey}`);
    const services = { ...fx.services, keyring, vault: new TokenVault(fx.db.knex, keyring, fx.services.oauth, fx.services.log) };
    const worker = await startWorker(fx.db.url, createLogger('silent'));
    try {
      await registerTokenJobs(worker.boss, services);
      const id = await worker.boss.send(TOKEN_ROTATION_QUEUE, {});
      let state = '';
      for (let i = 0; i < 100 && state !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        state = (await worker.boss.getJobById(TOKEN_ROTATION_QUEUE, id!))?.state ?? '';
      }
      expect(state).toBe('completed');
    } finally {
      await worker.stop();
    }
    expect(await services.vault.keyIdsInUse()).toEqual([newKey.split(':')[0]]);
    const lines = fx.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const report = lines.find((l) => l.msg === 'token rotation')!;
    expect(report).toMatchObject({ rotated: 1, keyIdsInUse: [newKey.split(':')[0]], keyUsage: { removable: [oldId], missing: [] } });
    expect(lines.some((l) => String(l.msg).includes(`no ciphertext uses ${oldId} any more; it can be removed`))).toBe(true);
  });
});
