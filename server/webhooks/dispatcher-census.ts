import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../log';
import { WEBHOOK_QUEUE } from './outbox';

/**
 * How many webhook dispatchers (worker processes) are alive, so each takes its share of an
 * endpoint's concurrency limit: ⌈limit / dispatchers⌉, at least 1. Each dispatcher writes a
 * heartbeat every `intervalMs` and counts those seen within three intervals. A worker that
 * died is counted until then (the others send less, never more); a new one is seen by the
 * others within one interval.
 *
 * Each dispatcher also holds one connection of its own to Postgres, named for it: a
 * process that dies (even by SIGKILL) loses it at once, as the kernel closes its sockets.
 * A dispatcher whose connection is gone from pg_stat_activity is dead at the next look of
 * any other (about a second), once that one's own connection has been up a few seconds
 * (after a Postgres restart every dispatcher needs a moment to reconnect).
 * A dispatcher silent for five intervals is dead too (killed, or its machine gone): the first
 * live one to notice takes its jobs back at once (each fetched job carries its dispatcher's
 * id) and lifts their deliveries' claims, so its events go out within seconds instead of
 * waiting for pg-boss to expire the jobs (30 s). A dispatcher only stalled that long may
 * send some of them too: deliveries are at least once, with the same event id.
 */
export function endpointShare(maxConcurrency: number, dispatchers: number): number {
  return Math.max(1, Math.ceil(maxConcurrency / Math.max(1, dispatchers)));
}

export class DispatcherCensus {
  readonly id = randomUUID();
  private live = 1;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private lease: pg.Client | null = null;
  private leaseSince = 0;

  constructor(private readonly knex: Knex, private readonly log: Logger, private readonly intervalMs = 1_000) {}

  share(maxConcurrency: number): number { return endpointShare(maxConcurrency, this.live); }

  private get leaseName(): string { return `kustiq-dispatcher:${this.id}`; }

  /** This dispatcher's own named connection (reopened after a drop): its presence says it is alive. */
  private async ensureLease(): Promise<void> {
    if (this.lease || this.stopped) return;
    // The connection as knex was given it (a URL or a config object).
    const settings = (this.knex.client as { config: { connection: string | pg.ClientConfig } }).config.connection;
    // knex keeps the password out of enumeration (so it is never logged): taken by name.
    const c = new pg.Client(typeof settings === 'string' ? { connectionString: settings, application_name: this.leaseName } : { ...settings, password: settings.password, application_name: this.leaseName });
    const drop = () => { if (this.lease === c) this.lease = null; };
    c.on('error', () => { drop(); c.end().catch(() => undefined); });
    c.on('end', drop);
    await c.connect();
    this.lease = c;
    this.leaseSince = Date.now();
  }

  async start(): Promise<void> {
    // The connection first: nobody sees this dispatcher's row without it.
    await this.ensureLease();
    await this.knex('webhook_dispatchers').insert({ id: this.id });
    await this.beat();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.knex('webhook_dispatchers').where({ id: this.id }).delete().catch(() => undefined);
    await this.lease?.end().catch(() => undefined);
    this.lease = null;
  }

  /** The jobs of dispatchers silent for `afterSeconds`, back to the queue now; their deliveries' claims lifted. */
  async reclaimFromDead(afterSeconds: number): Promise<number> {
    // Only trust "its connection is gone" once ours has been up a while (not just after a restart).
    const steady = this.lease !== null && Date.now() - this.leaseSince > 3 * Math.max(this.intervalMs, 1000);
    const { rows } = await this.knex.raw(
      `WITH dead AS (
         DELETE FROM webhook_dispatchers d WHERE d.id <> ? AND (d.seen_at < now() - make_interval(secs => ?)
           OR (? AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = 'kustiq-dispatcher:' || d.id::text)))
         RETURNING d.id::text AS id),
       jobs AS (
         UPDATE pgboss.job j SET state = 'retry', start_after = now()
         WHERE j.name = ? AND j.state = 'active' AND j.output->>'dispatcher' IN (SELECT id FROM dead)
         RETURNING (j.data->>'deliveryId')::uuid AS delivery_id),
       lifted AS (
         UPDATE webhook_deliveries d SET next_attempt_at = now() WHERE d.id IN (SELECT delivery_id FROM jobs) AND d.status = 'pending' RETURNING d.id)
       SELECT (SELECT count(*) FROM dead)::int AS dead, (SELECT count(*) FROM jobs)::int AS jobs`,
      [this.id, afterSeconds, steady, WEBHOOK_QUEUE],
    );
    const { dead, jobs } = rows[0] as { dead: number; jobs: number };
    if (dead) this.log.warn({ dispatchers: dead, jobs }, 'webhook dispatchers stopped answering; their deliveries were taken back');
    return jobs;
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      // The database's clock for every comparison: workers' clocks may differ.
      const seconds = this.intervalMs / 1000;
      await this.ensureLease().catch(() => undefined);
      await this.knex('webhook_dispatchers').insert({ id: this.id, seen_at: this.knex.fn.now() }).onConflict('id').merge(['seen_at']);
      // Dead after five silent intervals (a busy event loop may be late once or twice).
      await this.reclaimFromDead(Math.max(5 * seconds, 2));
      const row = await this.knex('webhook_dispatchers').whereRaw('seen_at >= now() - make_interval(secs => ?)', [3 * seconds]).count<{ n: string }[]>('* as n').first();
      this.live = Math.max(1, Number(row?.n ?? 1));
    } catch (err) {
      // Keep the last count: a database hiccup must not stop deliveries.
      this.log.warn({ err: { message: (err as Error).message } }, 'webhook dispatcher heartbeat failed');
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }
}
