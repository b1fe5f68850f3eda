import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import type { InstallServices } from '../install/services';

/**
 * The purge: every hour (a pg-boss schedule, one run at a time across workers), rows past
 * their retention are deleted in bounded batches, so no table grows for ever, whoever
 * fills it. The retention of each (docs/operations.md, "Retention", says the same):
 *
 * | table | deleted |
 * |---|---|
 * | oauth_states | once expired (10 minutes after GET /oauth/install), used or not |
 * | sessions | once expired (14 days after sign-in; sooner by logout, disconnect or the daily check) |
 * | hubspot_events | processed: 7 days after receipt (HubSpot's redeliveries come within 3 days and are still recognised); never processed: 30 days |
 * | webhook_events, with their deliveries, attempts and dead letters | 30 days after the event, once none of its deliveries is pending |
 * | record_syncs ("Sync now") | 30 days after the click |
 * | sync_batches (a run's batch log) | 90 days after the run finished (the run's row stays) |
 *
 * A batch is at most BATCH_ROWS rows (one short statement each), at most MAX_BATCHES per
 * table per run: a backlog larger than that is worked off over the next hours.
 */
export const PURGE_QUEUE = 'kustiq-purge';
export const PURGE_SCHEDULE = '23 * * * *';

const DAY_MS = 86_400_000;
export const RETENTION = {
  hubspotEventsProcessedMs: 7 * DAY_MS,
  hubspotEventsUnprocessedMs: 30 * DAY_MS,
  webhookEventsMs: 30 * DAY_MS,
  recordSyncsMs: 30 * DAY_MS,
  syncBatchesMs: 90 * DAY_MS,
} as const;

export const BATCH_ROWS = 5000;
export const MAX_BATCHES = 200;

export type PurgeCounts = Record<'oauthStates' | 'sessions' | 'hubspotEvents' | 'webhookEvents' | 'recordSyncs' | 'syncBatches', number>;

/**
 * Deletes what `where` selects (a condition on alias `t`) from `table`, `batchRows` at a
 * time (webhook events cascade to their deliveries, so they go in smaller batches).
 */
async function purgeTable(knex: Knex, table: string, where: string, bindings: Knex.RawBinding[], batchRows = BATCH_ROWS): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const r = await knex.raw(`DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT t.ctid FROM ${table} t WHERE ${where} LIMIT ?))`, [...bindings, batchRows]);
    total += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batchRows) break;
  }
  return total;
}

/** One purge over every table; `now` for tests. */
export async function purgeExpired(knex: Knex, now: Date = new Date()): Promise<PurgeCounts> {
  const before = (ms: number) => new Date(now.getTime() - ms);
  return {
    oauthStates: await purgeTable(knex, 'oauth_states', 't.expires_at < ?', [now]),
    sessions: await purgeTable(knex, 'sessions', 't.expires_at < ?', [now]),
    hubspotEvents: await purgeTable(knex, 'hubspot_events',
      '((t.processed_at IS NOT NULL AND t.received_at < ?) OR t.received_at < ?)', [before(RETENTION.hubspotEventsProcessedMs), before(RETENTION.hubspotEventsUnprocessedMs)]),
    webhookEvents: await purgeTable(knex, 'webhook_events',
      "t.created_at < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = t.id AND d.status = 'pending')", [before(RETENTION.webhookEventsMs)], 500),
    recordSyncs: await purgeTable(knex, 'record_syncs', 't.created_at < ?', [before(RETENTION.recordSyncsMs)]),
    syncBatches: await purgeTable(knex, 'sync_batches',
      't.run_id IN (SELECT r.id FROM sync_runs r WHERE r.finished_at < ?)', [before(RETENTION.syncBatchesMs)]),
  };
}

export async function registerPurgeJobs(boss: PgBoss, s: InstallServices): Promise<void> {
  await boss.createQueue(PURGE_QUEUE, { name: PURGE_QUEUE, policy: 'singleton', retryLimit: 3, retryDelay: 60 } as PgBoss.Queue);
  await boss.schedule(PURGE_QUEUE, PURGE_SCHEDULE);
  await boss.work(PURGE_QUEUE, async () => {
    const out = await purgeExpired(s.knex);
    s.log.info(out, 'purge');
    return out;
  });
}
