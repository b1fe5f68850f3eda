import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../log';

/**
 * How many webhook dispatchers (worker processes) are alive, so each takes its share of an
 * endpoint's concurrency limit: ⌈limit / dispatchers⌉, at least 1. Each dispatcher writes a
 * heartbeat every `intervalMs` and counts those seen within three intervals. A worker that
 * died is counted until then (the others send less, never more); a new one is seen by the
 * others within one interval.
 */
export function endpointShare(maxConcurrency: number, dispatchers: number): number {
  return Math.max(1, Math.ceil(maxConcurrency / Math.max(1, dispatchers)));
}

export class DispatcherCensus {
  readonly id = randomUUID();
  private live = 1;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly knex: Knex, private readonly log: Logger, private readonly intervalMs = 10_000) {}

  share(maxConcurrency: number): number { return endpointShare(maxConcurrency, this.live); }

  async start(): Promise<void> {
    await this.knex('webhook_dispatchers').insert({ id: this.id });
    await this.beat();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.knex('webhook_dispatchers').where({ id: this.id }).delete().catch(() => undefined);
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      // The database's clock for every comparison: workers' clocks may differ.
      const seconds = this.intervalMs / 1000;
      await this.knex('webhook_dispatchers').insert({ id: this.id, seen_at: this.knex.fn.now() }).onConflict('id').merge(['seen_at']);
      await this.knex('webhook_dispatchers').whereRaw('seen_at < now() - make_interval(secs => ?)', [30 * seconds]).delete();
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
