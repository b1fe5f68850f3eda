import type { Knex } from 'knex';

/**
 * One per-portal request budget shared by every worker on every machine, kept in
 * Postgres: HubSpot's limits for a marketplace app (platform.md §5) are 110 requests per
 * rolling 10 s per portal, and search apart at 5 per second. A slot is taken before each
 * request (kustiq_take_slot, one round trip) and the caller waits until it is due, so no
 * window ever holds more than the limit, whichever worker sends.
 */
export type Bucket = 'general' | 'search';

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

/** A little under HubSpot's numbers and a little longer windows: clocks and networks are not exact. */
export const LIMITS: Record<Bucket, BucketLimit> = {
  general: { limit: 110, windowMs: 10_000 + 150 },
  search: { limit: 5, windowMs: 1_000 + 60 },
};

export class RateBudget {
  constructor(private readonly knex: Knex, private readonly limits: Record<Bucket, BucketLimit> = LIMITS) {}

  /** Milliseconds to wait before sending one request for the portal in this bucket. */
  async reserve(portalId: number, bucket: Bucket): Promise<number> {
    const { limit, windowMs } = this.limits[bucket];
    const { rows } = await this.knex.raw('SELECT kustiq_take_slot(?, ?, ?, ?) AS wait', [portalId, bucket, limit, windowMs]);
    return Number(rows[0].wait);
  }

  /** Waits for a slot. */
  async take(portalId: number, bucket: Bucket): Promise<void> {
    const wait = await this.reserve(portalId, bucket);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * HubSpot said the window is spent (a 429, or X-HubSpot-RateLimit-Remaining 0 from
   * another app's share): fill the log so nobody sends before `untilMs` from now.
   */
  async exhaust(portalId: number, bucket: Bucket, untilMs: number): Promise<void> {
    const { limit, windowMs } = this.limits[bucket];
    await this.knex.raw(
      `INSERT INTO rate_budgets (portal_id, bucket, stamps) VALUES (?, ?, array_fill(clock_timestamp() + make_interval(secs => ?), ARRAY[?]))
       ON CONFLICT (portal_id, bucket) DO UPDATE SET stamps = array_fill(greatest(
         clock_timestamp() + make_interval(secs => ?), rate_budgets.stamps[cardinality(rate_budgets.stamps)]), ARRAY[?])`,
      [portalId, bucket, (untilMs - windowMs) / 1000, limit, (untilMs - windowMs) / 1000, limit],
    );
  }
}
