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
  /** A request sent later than its slot by more than this could crowd a later window: it takes a new slot. */
  lateMs?: number;
  /** How much longer than HubSpot's window ours is (jitter between sending and HubSpot counting). */
  marginMs?: number;
}

/** A little under HubSpot's numbers and a little longer windows: clocks and networks are not exact. */
export const LIMITS: Record<Bucket, BucketLimit> = {
  general: { limit: 110, windowMs: 10_000 + 300, lateMs: 150, marginMs: 300 },
  search: { limit: 5, windowMs: 1_000 + 60, lateMs: 40, marginMs: 60 },
};

/** HubSpot's own numbers as configured (no margins): what the Sync page charts against. */
export function hubspotLimits(config: { KUSTIQ_RATE_GENERAL: string; KUSTIQ_RATE_SEARCH: string }): Record<Bucket, { limit: number; windowMs: number }> {
  const parse = (v: string) => { const [limit, windowMs] = v.split('/').map(Number) as [number, number]; return { limit, windowMs }; };
  return { general: parse(config.KUSTIQ_RATE_GENERAL), search: parse(config.KUSTIQ_RATE_SEARCH) };
}

/** The limits from the config ("110/10000"), with the same safety margins as the defaults. */
export function limitsFrom(config: { KUSTIQ_RATE_GENERAL: string; KUSTIQ_RATE_SEARCH: string; KUSTIQ_RATE_MARGIN_MS?: number }): Record<Bucket, BucketLimit> {
  const { general, search } = hubspotLimits(config);
  const margin = config.KUSTIQ_RATE_MARGIN_MS ?? 300;
  return {
    // The margins are for jitter (a request leaving up to lateMs after its slot), not proportional to the window.
    general: { limit: general.limit, windowMs: general.windowMs + margin, lateMs: Math.min(LIMITS.general.lateMs!, margin / 2), marginMs: margin },
    search: { limit: search.limit, windowMs: search.windowMs + 60, lateMs: LIMITS.search.lateMs, marginMs: 60 },
  };
}

/** The portal budget as this deployment is configured. */
export function budgetFor(s: { knex: Knex; config: { KUSTIQ_RATE_GENERAL: string; KUSTIQ_RATE_SEARCH: string; KUSTIQ_RATE_MARGIN_MS?: number } }): RateBudget {
  return new RateBudget(s.knex, limitsFrom(s.config));
}

export class RateBudget {
  /** How late each request went out against its slot, and how many slots were given up (for the bench). */
  readonly lateness: number[] = [];
  retakes = 0;

  /** Per portal: a tighter limit HubSpot announced in its X-HubSpot-RateLimit-* headers than the configured one. */
  private readonly announced = new Map<string, BucketLimit>();

  constructor(private readonly knex: Knex, private readonly limits: Record<Bucket, BucketLimit> = LIMITS) {}

  /** The limit in force for a portal: the configured one, or a tighter one HubSpot announced. */
  limitFor(portalId: number, bucket: Bucket): BucketLimit {
    return this.announced.get(`${portalId}:${bucket}`) ?? this.limits[bucket];
  }

  /**
   * HubSpot's X-HubSpot-RateLimit-Max / -Interval-Milliseconds on a response. A portal
   * held to less than the configured limit (another tier, or HubSpot lowering it) is
   * budgeted at what HubSpot says from the next request on, with the same margin. The
   * limit is per app and portal, so -Remaining counts only our own requests, which the
   * shared log already holds: it is not a second budget.
   */
  observe(portalId: number, bucket: Bucket, headers: Record<string, string>): BucketLimit | null {
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (!Number.isInteger(max) || max <= 0 || !Number.isInteger(interval) || interval <= 0) return null;
    const configured = this.limits[bucket];
    const margin = configured.marginMs ?? 0;
    const key = `${portalId}:${bucket}`;
    // Compare rates too, so "50 per 10 s" and "20 per 2 s" are both understood.
    const tighter = max < configured.limit || max / interval < configured.limit / (configured.windowMs - margin);
    if (!tighter) {
      this.announced.delete(key);
      return null;
    }
    const current = this.announced.get(key);
    if (current && current.limit === max && current.windowMs === interval + margin) return null;
    const next: BucketLimit = { ...configured, limit: max, windowMs: interval + margin };
    this.announced.set(key, next);
    return next;
  }

  /** Milliseconds to wait before sending one request for the portal in this bucket. */
  async reserve(portalId: number, bucket: Bucket): Promise<number> {
    const { limit, windowMs } = this.limitFor(portalId, bucket);
    const { rows } = await this.knex.raw('SELECT kustiq_take_slot(?, ?, ?, ?) AS wait', [portalId, bucket, limit, windowMs]);
    return Number(rows[0].wait);
  }

  /**
   * Waits for a slot. A busy event loop can send a request well after its slot, where it
   * would share a window with the slots after it: then the slot is given up (it stays in
   * the log, costing a little throughput, never a 429) and a fresh one taken.
   */
  async take(portalId: number, bucket: Bucket): Promise<void> {
    const lateMs = this.limitFor(portalId, bucket).lateMs ?? Infinity;
    for (let attempt = 0; ; attempt++) {
      const asked = Date.now();
      const wait = await this.reserve(portalId, bucket);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const late = Date.now() - (asked + wait);
      this.lateness.push(late);
      if (late <= lateMs || attempt === 3) return;
      this.retakes++;
    }
  }

  /**
   * HubSpot said the window is spent (a 429, or X-HubSpot-RateLimit-Remaining 0 from
   * another app's share): fill the log so nobody sends before `untilMs` from now.
   */
  async exhaust(portalId: number, bucket: Bucket, untilMs: number): Promise<void> {
    const { limit, windowMs } = this.limitFor(portalId, bucket);
    // All but the last slot move to (until − window); the last keeps any later reservation.
    await this.knex.raw('INSERT INTO rate_budgets (portal_id, bucket) VALUES (?, ?) ON CONFLICT DO NOTHING', [portalId, bucket]);
    await this.knex.raw(
      `UPDATE rate_budgets SET stamps = array_fill(clock_timestamp() + make_interval(secs => ?::double precision), ARRAY[?::int])
         || greatest(clock_timestamp() + make_interval(secs => ?::double precision), stamps[cardinality(stamps)])
       WHERE portal_id = ? AND bucket = ?`,
      [(untilMs - windowMs) / 1000, limit - 1, (untilMs - windowMs) / 1000, portalId, bucket],
    );
  }
}
