import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import type { Logger } from '../log';
import { WEBHOOK_QUEUE, type DeliveryJobData } from './outbox';

/**
 * Fetches delivery jobs fairly between workspaces: round-robin (every workspace's oldest
 * ready job before anyone's second), and never more for a workspace than its allowance.
 * pg-boss's own fetch takes the oldest jobs first, so a workspace with a backlog of 10,000
 * would be served entirely before another's first event. This is the same claim (the
 * UPDATE pg-boss 10 runs: state, started_on, retry_count; FOR UPDATE SKIP LOCKED, so
 * dispatchers never take the same job) with a fair choice of rows. Our jobs all have
 * priority 0, so pg-boss's priority order is left out.
 *
 * Jobs are grouped by `data.workspaceId` (by endpoint for jobs queued before it was added).
 * The schema is pg-boss's as server/worker/worker.ts configures it; pg-boss 10 keeps each
 * queue's jobs in a partition of its own, which is queried directly so the planner sees
 * only the indexes that matter (statistics on a table that churns this fast are often stale).
 */
const SCHEMA = 'pgboss';
const TENANT = `COALESCE(data->>'workspaceId', data->>'endpointId')`;
const INDEX = 'kustiq_webhook_fair';

export class FairFetch {
  private constructor(private readonly knex: Knex, private readonly table: string) {}

  /**
   * Finds the queue's partition (the queue must exist) and makes sure of the index that lets
   * a fetch visit each workspace once (a skip scan) instead of every waiting job: a backlog
   * of 100,000 would otherwise cost each poll a scan of all of them. On this partition only
   * (the other queues never pay for it); pg-boss's schema exists only once a worker has
   * started, hence here and not in a migration. The fetch is correct without it, only slower.
   */
  static async prepare(knex: Knex, log: Logger): Promise<FairFetch> {
    const q = await knex(`${SCHEMA}.queue`).where({ name: WEBHOOK_QUEUE }).first('partition_name');
    if (!q?.partition_name) throw new Error(`pg-boss queue ${WEBHOOK_QUEUE} has no partition: create the queue first`);
    const table = `${SCHEMA}.${knex.client.wrapIdentifier(q.partition_name)}`;
    try {
      await knex.raw(`CREATE INDEX IF NOT EXISTS ${INDEX} ON ${table} ((${TENANT}), created_on, id) INCLUDE (start_after) WHERE state < 'active'`);
    } catch (err) {
      // Another worker creating it at the same moment, most likely.
      log.warn({ err: { message: (err as Error).message } }, 'webhook fairness index not created');
    }
    return new FairFetch(knex, table);
  }

  async fetch(opts: {
    /** At most this many jobs. */
    limit: number;
    /** Jobs each workspace may still take (workspaces already being served). */
    allowance: Record<string, number>;
    /** Jobs a workspace not in `allowance` may take. */
    fresh: number;
    /** The fetching dispatcher, written on the jobs it takes: if it dies, the others take them back at once (DispatcherCensus). */
    dispatcher?: string;
  }): Promise<PgBoss.Job<DeliveryJobData>[]> {
    if (opts.limit <= 0) return [];
    const t = this.table;
    const { rows } = await this.knex.raw(
      `WITH RECURSIVE tenants(t) AS (
         (SELECT ${TENANT} FROM ${t} WHERE state < 'active' ORDER BY ${TENANT} LIMIT 1)
         UNION ALL
         SELECT (SELECT ${TENANT} FROM ${t} WHERE state < 'active' AND ${TENANT} > tenants.t ORDER BY ${TENANT} LIMIT 1)
         FROM tenants WHERE tenants.t IS NOT NULL
       ), allowed AS (
         SELECT t, LEAST(COALESCE((CAST(? AS jsonb) ->> t)::int, ?), ?) AS n FROM tenants WHERE t IS NOT NULL
       ), ready AS (
         SELECT x.id, x.created_on, row_number() OVER (PARTITION BY a.t ORDER BY x.created_on, x.id) AS rn
         FROM allowed a CROSS JOIN LATERAL (
           SELECT id, created_on FROM ${t}
           WHERE ${TENANT} = a.t AND state < 'active' AND start_after < now()
           ORDER BY created_on, id LIMIT a.n
           FOR UPDATE SKIP LOCKED
         ) x WHERE a.n > 0
       ), picked AS (
         SELECT id FROM ready ORDER BY rn, created_on, id LIMIT ?
       )
       UPDATE ${t} j SET state = 'active', started_on = now(), output = jsonb_build_object('dispatcher', CAST(? AS text)),
         retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END
       WHERE j.name = ? AND j.id = ANY(ARRAY(SELECT id FROM picked)) AND j.state < 'active'
       RETURNING j.id, j.name, j.data, EXTRACT(epoch FROM j.expire_in) AS "expireInSeconds"`,
      [JSON.stringify(opts.allowance), opts.fresh, opts.limit, opts.limit, opts.dispatcher ?? null, WEBHOOK_QUEUE],
    );
    return rows;
  }
}
