import type PgBoss from 'pg-boss';
import { rescorePortal } from '../icp/rescore-portal';
import type { InstallServices } from '../install/services';

/**
 * Rescoring after an ICP change: one job per portal (a newer request while one waits is
 * folded into it), retried with backoff when HubSpot or the network fails.
 */
export const ICP_RESCORE_QUEUE = 'icp-rescore';

export async function registerIcpJobs(boss: PgBoss, s: InstallServices): Promise<void> {
  await boss.createQueue(ICP_RESCORE_QUEUE, { name: ICP_RESCORE_QUEUE, policy: 'stately', retryLimit: 5, retryDelay: 30, retryBackoff: true } as PgBoss.Queue);
  await boss.work<{ portalId: number }>(ICP_RESCORE_QUEUE, async ([job]) => {
    const out = await rescorePortal(s, job!.data.portalId);
    s.log.info({ portalId: job!.data.portalId, ...out }, 'ICP rescore');
    return out;
  });
}

/** Queues a rescore of the portal; returns the job id (null when one is already waiting). */
export async function queueRescore(boss: PgBoss, portalId: number): Promise<string | null> {
  return boss.send(ICP_RESCORE_QUEUE, { portalId }, { singletonKey: String(portalId) });
}
