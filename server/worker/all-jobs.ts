import type { InstallServices } from '../install/services';
import { registerEventJobs } from './event-jobs';
import { registerIcpJobs } from './icp-jobs';
import { registerPurgeJobs } from './purge-jobs';
import { registerRecordJobs } from './record-jobs';
import { registerNightlyPlanner, registerSyncJobs } from './sync-jobs';
import { registerTokenJobs } from './token-jobs';
import { registerWebhookJobs } from './webhook-jobs';
import type { Worker } from './worker';

/**
 * Every queue a worker serves, registered in one place (production, the demo, benches and
 * tests differ only in the schedules they leave out).
 */
export interface JobSet {
  /** The periodic schedules (token upkeep, the nightly planner, the hourly purge); off where a test or bench drives time itself. */
  schedules?: boolean;
  /** Token upkeep's queues (the demo and production). */
  tokens?: boolean;
  icp?: boolean;
}

export async function registerAllJobs(worker: Worker, s: InstallServices, set: JobSet = {}): Promise<void> {
  // Jobs start running while the others register: those that queue work (a sync's outbound
  // events) must find the queue already (without it their deliveries wait for the sweeper).
  s.boss = worker.boss;
  // pg-boss creates each queue's partition table on first use: two workers starting together on
  // a new database deadlock there ("deadlock detected", and the worker exits). One at a time.
  await s.knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['kustiq:register-queues']);
    await registerEach(worker, s, set);
  });
}

async function registerEach(worker: Worker, s: InstallServices, set: JobSet): Promise<void> {
  const { schedules = true, tokens = true, icp = true } = set;
  if (tokens) await registerTokenJobs(worker.boss, s);
  if (icp) await registerIcpJobs(worker.boss, s);
  await registerSyncJobs(worker.boss, s);
  if (schedules) await registerNightlyPlanner(worker.boss, s);
  if (schedules) await registerPurgeJobs(worker.boss, s);
  await registerRecordJobs(worker.boss, s);
  await registerEventJobs(worker.boss, s);
  await registerWebhookJobs(worker, s);
}
