import type PgBoss from 'pg-boss';
import type { InstallServices } from '../install/services';
import { advanceRun, createRun } from '../sync/portal-sync';

/**
 * Portal syncs on pg-boss. One active job per portal (singleton on the portal id), and a
 * run moves in slices: a job advances it for at most KUSTIQ_SYNC_SLICE_MS, then queues the next slice.
 * A worker that dies mid-slice loses at most that slice's uncommitted page: the job
 * expires and another worker picks the run up at its last checkpoint.
 */
export const SYNC_QUEUE = 'portal-sync';

export interface SyncJob { runId: string; portalId: number }

export async function registerSyncJobs(boss: PgBoss, s: InstallServices, opts: { sliceMs?: number; expireInSeconds?: number } = {}): Promise<void> {
  const sliceMs = opts.sliceMs ?? s.config.KUSTIQ_SYNC_SLICE_MS;
  await boss.createQueue(SYNC_QUEUE, {
    name: SYNC_QUEUE, policy: 'singleton', retryLimit: 20, retryDelay: 5, retryBackoff: true, expireInSeconds: opts.expireInSeconds ?? s.config.KUSTIQ_SYNC_EXPIRE_SECONDS,
  } as PgBoss.Queue);
  await boss.work<SyncJob>(SYNC_QUEUE, { batchSize: 1 }, async ([job]) => {
    const { runId, portalId } = job!.data;
    const out = await advanceRun(s, runId, { deadline: Date.now() + sliceMs });
    if (!out.done && out.status === 'running') await boss.send(SYNC_QUEUE, { runId, portalId }, { singletonKey: String(portalId) });
    s.log.info({ runId, portalId, status: out.status, counts: out.counts }, 'sync slice');
    return { status: out.status };
  });
}

/** Starts a full sync of the portal; returns the run id. */
export async function startSync(boss: PgBoss, s: InstallServices, portalId: number, kind: 'first' | 'full' | 'nightly' = 'first', opts: { overlapMs?: number } = {}): Promise<string> {
  const runId = await createRun(s.knex, portalId, kind, opts);
  await boss.send(SYNC_QUEUE, { runId, portalId }, { singletonKey: String(portalId) });
  return runId;
}
