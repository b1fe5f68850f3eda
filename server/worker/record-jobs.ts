import type PgBoss from 'pg-boss';
import type { Knex } from 'knex';
import { knexDb } from './boss-in-transaction';
import { KustiqError } from '../errors/codes';
import type { InstallServices } from '../install/services';
import { syncRecord, type RecordType } from '../sync/record-sync';

/**
 * "Sync now": a queue of its own (never behind a portal's full sync), polled every half
 * second, so a rep's record is written in about a second. A second request for a record
 * whose sync is still queued or running gets that one back instead of a new one.
 *
 * Nothing is left waiting for ever: the row and its job are created in one transaction; a
 * job whose worker died expires and is tried again (RECORD_JOB); a row still queued or
 * running after every attempt its job could make is stale (its workers are gone): it reads
 * as failed with `worker_lost`, and the next click starts afresh.
 */
export const RECORD_QUEUE = 'record-sync';

export const RECORD_JOB = { retryLimit: 2, retryDelay: 2, expireInSeconds: 60 } as const;

/** Longer than every attempt of a record's job (expiry and retry delay, each try) plus a margin. */
export const RECORD_SYNC_STALE_MS = ((RECORD_JOB.expireInSeconds + RECORD_JOB.retryDelay) * (RECORD_JOB.retryLimit + 1) + 30) * 1000;

export const WORKER_LOST = { code: 'worker_lost', detail: 'the worker running this sync stopped before it finished; click Sync now again' } as const;

const isStale = (r: Record<string, unknown>, now: number) =>
  (r.status === 'queued' || r.status === 'running') && new Date(r.created_at as string).getTime() < now - RECORD_SYNC_STALE_MS;

export async function registerRecordJobs(boss: PgBoss, s: InstallServices): Promise<void> {
  const queue = { name: RECORD_QUEUE, policy: 'standard', ...RECORD_JOB } as PgBoss.Queue;
  await boss.createQueue(RECORD_QUEUE, queue);
  // A queue made by an earlier version keeps its options unless told (it had no retries).
  await boss.updateQueue(RECORD_QUEUE, queue);
  await boss.work<{ id: string; portalId: number }>(RECORD_QUEUE, { batchSize: 4, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    await Promise.all(jobs.map(async (job) => {
      const { id, portalId } = job.data;
      // A retry after an attempt whose worker died finds the row running; a finished row is left alone.
      const row = await s.knex('record_syncs').where({ id }).whereIn('status', ['queued', 'running']).update({ status: 'running' }).returning(['object_type', 'record_id']);
      if (!row.length) return;
      try {
        const out = await syncRecord(s, portalId, row[0].object_type as RecordType, row[0].record_id);
        await s.knex('record_syncs').where({ id }).update({
          status: 'succeeded', outcome: out.outcome, error_code: out.code, error_detail: out.detail, properties: out.properties ? JSON.stringify(out.properties) : null, finished_at: s.knex.fn.now(),
        });
      } catch (err) {
        const known = err instanceof KustiqError;
        await s.knex('record_syncs').where({ id }).update({
          status: 'failed', error_code: known ? err.code : 'ERR_INTERNAL', error_detail: known ? err.message : 'the sync failed on our side; it was logged', finished_at: s.knex.fn.now(),
        });
        if (!known) s.log.error({ err: { message: (err as Error).message }, portalId }, 'record sync failed');
      }
    }));
  });
}

export interface RecordSyncView {
  id: string;
  objectType: string;
  recordId: string;
  status: string;
  outcome: string | null;
  code: string | null;
  detail: string | null;
  properties: Record<string, string> | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A row as the card and the dashboard show it: a stale one (its workers gone) reads as failed with `worker_lost`. */
export function recordSyncView(r: Record<string, unknown>, now = Date.now()): RecordSyncView {
  if (isStale(r, now)) r = { ...r, status: 'failed', error_code: WORKER_LOST.code, error_detail: WORKER_LOST.detail };
  return {
    id: r.id as string, objectType: r.object_type as string, recordId: r.record_id as string, status: r.status as string,
    outcome: (r.outcome as string) ?? null, code: (r.error_code as string) ?? null, detail: (r.error_detail as string) ?? null,
    properties: (r.properties as Record<string, string>) ?? null, createdAt: r.created_at as Date, finishedAt: (r.finished_at as Date) ?? null,
  };
}

/** Queues a record's sync (or returns the one already waiting or running); the row and its job commit together. */
export async function queueRecordSync(knex: Knex, boss: PgBoss, connectionId: string, portalId: number, objectType: RecordType, recordId: string): Promise<RecordSyncView> {
  return knex.transaction(async (trx) => {
    const key = { connection_id: connectionId, object_type: objectType, record_id: recordId };
    // One click at a time per record: concurrent clicks wait here and find the first one's row.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`record-sync:${connectionId}:${objectType}:${recordId}`]);
    const now = Date.now();
    await trx('record_syncs').where(key).whereIn('status', ['queued', 'running']).where('created_at', '<', new Date(now - RECORD_SYNC_STALE_MS))
      .update({ status: 'failed', error_code: WORKER_LOST.code, error_detail: WORKER_LOST.detail, finished_at: trx.fn.now() });
    const existing = await trx('record_syncs').where(key).whereIn('status', ['queued', 'running']).orderBy('created_at', 'desc').first();
    if (existing) return recordSyncView(existing, now);
    const [row] = await trx('record_syncs').insert(key).returning('*');
    await boss.send(RECORD_QUEUE, { id: row.id, portalId }, { priority: 10, db: knexDb(trx) });
    return recordSyncView(row, now);
  });
}
