import type PgBoss from 'pg-boss';
import type { InstallServices } from '../install/services';
import { queueRecordSync } from './record-jobs';

/**
 * HubSpot's webhook events, turned into record syncs: per portal, the unprocessed events
 * are grouped by record (ten changes to one company are one sync) and each record queued
 * once (a sync already waiting for it absorbs the rest).
 */
export const HUBSPOT_EVENTS_QUEUE = 'hubspot-events';

/** Queues a run of `portalId`'s events (one waits at a time: a run already queued will read these too). */
export async function queueEventsRun(boss: PgBoss, portalId: number): Promise<void> {
  await boss.send(HUBSPOT_EVENTS_QUEUE, { portalId }, { singletonKey: String(portalId) });
}

export async function registerEventJobs(boss: PgBoss, s: InstallServices): Promise<void> {
  await boss.createQueue(HUBSPOT_EVENTS_QUEUE, { name: HUBSPOT_EVENTS_QUEUE, policy: 'stately', retryLimit: 5, retryDelay: 2 } as PgBoss.Queue);
  await boss.work<{ portalId: number }>(HUBSPOT_EVENTS_QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => processEvents(boss, s, job!.data.portalId));
}

/** Events read per job run; a portal with more waiting gets another run right after. */
export const EVENTS_PER_RUN = 5000;

export async function processEvents(boss: PgBoss, s: InstallServices, portalId: number): Promise<{ events: number; records: number }> {
  const conn = await s.knex('hubspot_connections').where({ portal_id: String(portalId), status: 'connected' }).first();
  const events: { event_id: string; object_type: 'companies' | 'contacts'; object_id: string }[] = await s.knex('hubspot_events')
    .where({ portal_id: portalId }).whereNull('processed_at').orderBy('occurred_at').limit(EVENTS_PER_RUN).select('event_id', 'object_type', 'object_id');
  const records = new Map<string, { objectType: 'companies' | 'contacts'; id: string }>();
  for (const e of events) records.set(`${e.object_type}:${e.object_id}`, { objectType: e.object_type, id: e.object_id });
  if (conn) for (const r of records.values()) await queueRecordSync(s.knex, boss, conn.id, portalId, r.objectType, r.id);
  if (events.length) await s.knex('hubspot_events').where({ portal_id: portalId }).whereIn('event_id', events.map((e) => e.event_id)).update({ processed_at: s.knex.fn.now() });
  // A full page means more may be waiting: queue the next run (this one is active, so the queued slot is free).
  if (events.length === EVENTS_PER_RUN) await queueEventsRun(boss, portalId);
  return { events: events.length, records: records.size };
}
