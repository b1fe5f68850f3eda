import type PgBoss from 'pg-boss';
import type { InstallServices } from '../install/services';
import { advanceRun, createRun } from '../sync/portal-sync';
import { nightlyDue, portalTimeZone } from '../sync/nightly-plan';

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
    // A paused portal: look again later; the run resumes from its checkpoint when writes are allowed.
    if (out.status === 'waiting') await boss.send(SYNC_QUEUE, { runId, portalId }, { singletonKey: String(portalId), startAfter: s.config.KUSTIQ_PAUSED_RECHECK_SECONDS });
    s.log.info({ runId, portalId, status: out.status, counts: out.counts }, 'sync slice');
    return { status: out.status };
  });
}

export const NIGHTLY_PLANNER_QUEUE = 'nightly-planner';

/**
 * Every 5 minutes one worker looks at every connected portal and starts the nightly run of
 * those whose minute has come (nightly-plan.ts). A worker that was down catches up later
 * in the same window.
 */
export async function registerNightlyPlanner(boss: PgBoss, s: InstallServices): Promise<void> {
  await boss.createQueue(NIGHTLY_PLANNER_QUEUE, { name: NIGHTLY_PLANNER_QUEUE, policy: 'singleton' } as PgBoss.Queue);
  await boss.schedule(NIGHTLY_PLANNER_QUEUE, '*/5 * * * *');
  await boss.work(NIGHTLY_PLANNER_QUEUE, async () => planNightlyRuns(boss, s, new Date()));
}

export async function planNightlyRuns(boss: PgBoss, s: InstallServices, now: Date): Promise<{ started: number[] }> {
  const conns = await s.knex('hubspot_connections').where({ status: 'connected' }).select('id', 'portal_id', 'time_zone', 'data_hosting_location');
  const started: number[] = [];
  for (const c of conns) {
    const last = await s.knex('sync_runs').where({ connection_id: c.id }).whereIn('kind', ['nightly', 'full']).max('created_at as at').first();
    const d = nightlyDue(now, portalTimeZone(c), Number(c.portal_id), last?.at ? new Date(last.at) : null);
    if (!d.due) continue;
    // The run is recorded at the planner's instant: the once-a-night check compares against it.
    await startSync(boss, s, Number(c.portal_id), d.kind, { plannedAt: now });
    started.push(Number(c.portal_id));
  }
  if (started.length) s.log.info({ started }, 'nightly runs started');
  return { started };
}

/** Starts a full sync of the portal; returns the run id. */
export async function startSync(boss: PgBoss, s: InstallServices, portalId: number, kind: 'first' | 'full' | 'nightly' = 'first', opts: { overlapMs?: number; plannedAt?: Date } = {}): Promise<string> {
  const runId = await createRun(s.knex, portalId, kind, opts);
  await boss.send(SYNC_QUEUE, { runId, portalId }, { singletonKey: String(portalId) });
  return runId;
}
