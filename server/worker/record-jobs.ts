import type PgBoss from 'pg-boss';
import type { Knex } from 'knex';
import { KustiqError } from '../errors/codes';
import type { InstallServices } from '../install/services';
import { syncRecord, type RecordType } from '../sync/record-sync';

/**
 * "Sync now": a queue of its own (never behind a portal's full sync), polled every half
 * second, so a rep's record is written in about a second. A second request for a record
 * whose sync is still queued or running gets that one back instead of a new one.
 */
export const RECORD_QUEUE = 'record-sync';

export async function registerRecordJobs(boss: PgBoss, s: InstallServices): Promise<void> {
  await boss.createQueue(RECORD_QUEUE, { name: RECORD_QUEUE, policy: 'standard', retryLimit: 0, expireInSeconds: 60 } as PgBoss.Queue);
  await boss.work<{ id: string; portalId: number }>(RECORD_QUEUE, { batchSize: 4, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    await Promise.all(jobs.map(async (job) => {
      const { id, portalId } = job.data;
      const row = await s.knex('record_syncs').where({ id }).update({ status: 'running' }).returning(['object_type', 'record_id']);
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

export function recordSyncView(r: Record<string, unknown>): RecordSyncView {
  return {
    id: r.id as string, objectType: r.object_type as string, recordId: r.record_id as string, status: r.status as string,
    outcome: (r.outcome as string) ?? null, code: (r.error_code as string) ?? null, detail: (r.error_detail as string) ?? null,
    properties: (r.properties as Record<string, string>) ?? null, createdAt: r.created_at as Date, finishedAt: (r.finished_at as Date) ?? null,
  };
}

/** Queues a record's sync (or returns the one already waiting or running). */
export async function queueRecordSync(knex: Knex, boss: PgBoss, connectionId: string, portalId: number, objectType: RecordType, recordId: string): Promise<RecordSyncView> {
  const existing = await knex('record_syncs').where({ connection_id: connectionId, object_type: objectType, record_id: recordId }).whereIn('status', ['queued', 'running']).orderBy('created_at', 'desc').first();
  if (existing) return recordSyncView(existing);
  const [row] = await knex('record_syncs').insert({ connection_id: connectionId, object_type: objectType, record_id: recordId }).returning('*');
  await boss.send(RECORD_QUEUE, { id: row.id, portalId }, { priority: 10 });
  return recordSyncView(row);
}
