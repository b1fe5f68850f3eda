import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import { knexDb } from '../worker/boss-in-transaction';
import type { EventType } from './endpoints';

/**
 * The transactional outbox. Called inside the transaction that records writes to HubSpot:
 * the events, one delivery per subscribed endpoint, and the pg-boss jobs that deliver
 * them commit together with the writes or not at all. So an enrichment never happens
 * without its event, and no event exists for a write that did not happen.
 */
export const WEBHOOK_QUEUE = 'webhook-deliver';

/** pg-boss job options for a delivery: a job whose worker vanished is run again after 30 s (the attempt's 10 s timeout fits). */
export const DELIVERY_JOB = { retryLimit: 20, retryDelay: 1, expireInSeconds: 30 } as const;

export interface EnrichedRecord { objectId: string; profileId: string | null; properties: Record<string, string> }


/** Returns the ids of the events made (none when no endpoint wants them). */
export async function enqueueEvents(trx: Knex.Transaction, boss: PgBoss | undefined, e: { workspaceId: string; portalId: number; type: EventType; objectType: 'companies' | 'contacts'; records: EnrichedRecord[] }): Promise<string[]> {
  if (!e.records.length) return [];
  const endpoints: { id: string; max_concurrency: number }[] = await trx('webhook_endpoints').where({ workspace_id: e.workspaceId, enabled: true }).whereRaw('? = ANY(event_types)', [e.type]).select('id', 'max_concurrency');
  if (!endpoints.length) return [];
  const events: { id: string }[] = await trx('webhook_events').insert(e.records.map((r) => ({
    workspace_id: e.workspaceId, type: e.type, portal_id: e.portalId, object_type: e.objectType, object_id: r.objectId, profile_id: r.profileId, properties: JSON.stringify(r.properties),
  }))).returning('id');
  await enqueueDeliveries(trx, boss, e.workspaceId, events.flatMap((ev) => endpoints.map((ep) => ({ event_id: ev.id, endpoint_id: ep.id }))), new Map(endpoints.map((ep) => [ep.id, ep.max_concurrency])));
  return events.map((ev) => ev.id);
}

/** Delivery rows and their jobs, in the caller's transaction (the endpoints are the workspace's). */
export async function enqueueDeliveries(trx: Knex.Transaction, boss: PgBoss | undefined, workspaceId: string, rows: { event_id: string; endpoint_id: string }[], maxConcurrency: Map<string, number>): Promise<number> {
  if (!rows.length) return 0;
  const now = new Date();
  const deliveries: { id: string; endpoint_id: string }[] = await trx('webhook_deliveries').insert(rows.map((r) => ({ ...r, next_attempt_at: now }))).returning(['id', 'endpoint_id']);
  // Without a queue in this process (a bench or a script), the sweeper queues them within a minute.
  if (boss) await boss.insert(deliveries.map((d) => deliveryJob({ deliveryId: d.id, endpointId: d.endpoint_id, workspaceId, maxConcurrency: maxConcurrency.get(d.endpoint_id) ?? 16 })), { db: knexDb(trx) });
  return deliveries.length;
}

/**
 * `workspaceId` lets the dispatcher share itself fairly between workspaces (jobs queued
 * before it was added lack it: they are grouped by endpoint instead).
 */
export interface DeliveryJobData { deliveryId: string; endpointId: string; workspaceId?: string; maxConcurrency: number }

/** A delivery's job (endpoint and workspace ride along so the dispatcher can keep both within their limits before loading anything). */
export function deliveryJob(data: DeliveryJobData, startAfter?: Date): PgBoss.JobInsert<DeliveryJobData> {
  return { name: WEBHOOK_QUEUE, data, ...DELIVERY_JOB, ...(startAfter ? { startAfter } : {}) };
}
