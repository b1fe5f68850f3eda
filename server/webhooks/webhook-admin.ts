import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import { FieldError } from '../errors/field-error';
import { knexDb } from '../worker/boss-in-transaction';
import { lockWorkspaceWebhooks } from './endpoints';
import { deliveryJob, enqueueDeliveries } from './outbox';

/** Too many of something in a while: answered 429 with Retry-After, naming what was limited. */
export class RateLimited extends Error {
  constructor(readonly field: string, message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = 'RateLimited';
  }
}

/**
 * "Send test event" makes a delivery to every endpoint of the workspace: without a limit a
 * script could queue them as fast as it can post, at the workers' expense.
 */
export const TEST_EVENTS_PER_MINUTE = 10;

/** What the dashboard does with deliveries: the log, one delivery's detail, a test event, a redelivery. */
export interface DeliveryView {
  id: string; eventId: string; type: string; objectType: string | null; objectId: string | null; endpointId: string; url: string;
  status: string; attempts: number; lastStatus: number | null; lastError: string | null; latencyMs: number | null;
  nextAttemptAt: Date | null; createdAt: Date; deliveredAt: Date | null;
}

const view = (r: Record<string, any>): DeliveryView => ({
  id: r.id, eventId: r.event_id, type: r.type, objectType: r.object_type, objectId: r.object_id, endpointId: r.endpoint_id, url: r.url,
  status: r.status, attempts: r.attempts, lastStatus: r.last_status, lastError: r.last_error, latencyMs: r.last_latency_ms,
  nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null, createdAt: r.created_at, deliveredAt: r.delivered_at,
});

const base = (db: Knex | Knex.Transaction, workspaceId: string) => db('webhook_deliveries as d').join('webhook_events as e', 'e.id', 'd.event_id').join('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id')
  .where('ep.workspace_id', workspaceId)
  .select('d.*', 'e.type', 'e.object_type', 'e.object_id', 'ep.url');

export async function recentDeliveries(db: Knex, workspaceId: string, limit = 50): Promise<DeliveryView[]> {
  return (await base(db, workspaceId).orderBy('d.created_at', 'desc').limit(limit)).map(view);
}

export interface DeliveryDetail extends DeliveryView {
  /** The exact bytes of the last attempt, and the header sent with them. */
  body: string | null; signature: string | null; secret: 'current' | 'previous' | null;
  attemptLog: { attempt: number; at: Date; status: number | null; error: string | null; latencyMs: number }[];
  deadLetter: { reason: string; droppedAt: Date } | null;
}

export async function deliveryDetail(db: Knex, workspaceId: string, id: string): Promise<DeliveryDetail | null> {
  const r = await base(db, workspaceId).where('d.id', id).first();
  if (!r) return null;
  const attempts = await db('webhook_attempts').where({ delivery_id: id }).orderBy('attempt');
  const dead = await db('webhook_dead_letters').where({ delivery_id: id }).orderBy('id', 'desc').first();
  return {
    ...view(r), body: r.last_body, signature: r.last_signature, secret: r.last_secret,
    attemptLog: attempts.map((a) => ({ attempt: a.attempt, at: a.at, status: a.status, error: a.error, latencyMs: a.latency_ms })),
    deadLetter: dead ? { reason: dead.reason, droppedAt: dead.dropped_at } : null,
  };
}

/**
 * "Send test event": one `test` event to every enabled endpoint, through the same outbox and
 * workers; at most TEST_EVENTS_PER_MINUTE in any minute per workspace (`rateLimit: false`
 * only for tests and benches that use test events as load).
 */
export async function sendTestEvent(knex: Knex, boss: PgBoss | undefined, workspaceId: string, opts: { rateLimit?: boolean } = {}): Promise<{ eventId: string; deliveries: number }> {
  return knex.transaction(async (trx) => {
    if (opts.rateLimit !== false) {
      await lockWorkspaceWebhooks(trx, workspaceId);
      const recent = (await trx('webhook_events').where({ workspace_id: workspaceId, type: 'test' }).andWhereRaw(`created_at > now() - interval '1 minute'`)
        .first(trx.raw('count(*)::int AS n'), trx.raw(`ceil(extract(epoch FROM min(created_at) + interval '1 minute' - now()))::int AS wait`))) as { n: number; wait: number | null };
      if (recent.n >= TEST_EVENTS_PER_MINUTE) {
        const wait = Math.max(1, recent.wait ?? 60);
        throw new RateLimited('testEvent', `at most ${TEST_EVENTS_PER_MINUTE} test events a minute per workspace: try again in ${wait} s`, wait);
      }
    }
    const endpoints: { id: string; max_concurrency: number }[] = await trx('webhook_endpoints').where({ workspace_id: workspaceId, enabled: true }).select('id', 'max_concurrency');
    if (!endpoints.length) throw new FieldError('endpoint', 'add an enabled endpoint first');
    const [ev] = await trx('webhook_events').insert({ workspace_id: workspaceId, type: 'test', properties: JSON.stringify({ kustiq_test: 'true' }) }).returning('id');
    const n = await enqueueDeliveries(trx, boss, workspaceId, endpoints.map((ep) => ({ event_id: ev.id, endpoint_id: ep.id })), new Map(endpoints.map((ep) => [ep.id, ep.max_concurrency])));
    return { eventId: ev.id, deliveries: n };
  });
}

/** "Redeliver": the same event (same id) to the same endpoint again, with a fresh 24-hour window. */
export async function redeliver(knex: Knex, boss: PgBoss | undefined, workspaceId: string, deliveryId: string): Promise<DeliveryView> {
  return knex.transaction(async (trx) => {
    const d = await trx('webhook_deliveries as d').join('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id').where({ 'd.id': deliveryId, 'ep.workspace_id': workspaceId }).forUpdate('d').first('d.id', 'd.endpoint_id', 'd.status', 'ep.max_concurrency');
    if (!d) throw new FieldError('deliveryId', 'no such delivery in this workspace');
    if (d.status === 'pending') throw new FieldError('deliveryId', 'this delivery is still being tried');
    await trx('webhook_deliveries').where({ id: deliveryId }).update({ status: 'pending', next_attempt_at: new Date(), created_at: new Date() });
    if (boss) await boss.insert([deliveryJob({ deliveryId: d.id, endpointId: d.endpoint_id, workspaceId, maxConcurrency: d.max_concurrency })], { db: knexDb(trx) });
    return view(await base(trx, workspaceId).where('d.id', deliveryId).first());
  });
}

/** Counts for the demo's report and the page: delivered, failed (refused or dropped), pending. */
export async function deliveryCounts(db: Knex, workspaceId?: string): Promise<{ delivered: number; failed: number; pending: number }> {
  const q = db('webhook_deliveries as d').join('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id');
  if (workspaceId) q.where('ep.workspace_id', workspaceId);
  const rows: { status: string; n: string }[] = await q.groupBy('d.status').select('d.status').count('* as n');
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  return { delivered: by.delivered ?? 0, failed: (by.failed ?? 0) + (by.dropped ?? 0), pending: by.pending ?? 0 };
}
