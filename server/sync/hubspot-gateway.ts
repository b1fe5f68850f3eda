import type { Client } from '@hubspot/api-client';
import { KustiqError } from '../errors/codes';
import { hubspotClient } from '../hubspot/client';
import type { InstallServices } from '../install/services';
import type { Bucket, RateBudget } from './rate-budget';

/**
 * Every HubSpot request a sync makes goes through here: a slot from the portal's shared
 * budget first, then the call, then HubSpot's answer turned into a wait or a known
 * state. 429 → wait out the window (HubSpot's Retry-After is unreliable); 5xx, timeouts
 * and dropped connections → bounded exponential backoff with jitter; 423 → at least 2 s;
 * 401 → one token refresh; invalid_grant → ERR_OAUTH_REVOKED (from the vault); a paused
 * portal → ERR_PORTAL_PAUSED. Per-record errors inside a 207/400 are the caller's.
 */
export interface GatewayTally {
  requests: number;
  http429: number;
  retries: number;
  /** Requests sent per epoch second, [general, search]: drained into the run at each checkpoint. */
  seconds: Map<number, [number, number]>;
}

interface HttpError { code?: number; status?: number; body?: unknown; headers?: Record<string, string>; message?: string }

const MAX_ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function statusOf(err: unknown): number {
  const e = err as HttpError;
  return typeof e?.code === 'number' ? e.code : typeof e?.status === 'number' ? e.status : 0;
}

export function bodyOf(err: unknown): { category?: string; subCategory?: string; message?: string; errors?: unknown[] } {
  const b = (err as HttpError)?.body;
  if (typeof b === 'string') { try { return JSON.parse(b); } catch { return { message: b }; } }
  return (b ?? {}) as ReturnType<typeof bodyOf>;
}

export class HubSpotGateway {
  readonly tally: GatewayTally = { requests: 0, http429: 0, retries: 0, seconds: new Map() };
  // One client per bucket, so a response's X-HubSpot-RateLimit-* headers are read against the bucket they belong to.
  private clients: Partial<Record<Bucket, Client>> = {};

  constructor(
    private readonly s: InstallServices,
    readonly portalId: number,
    private readonly budget: RateBudget,
    private readonly random: () => number = Math.random,
  ) {}

  private async ensureClient(bucket: Bucket, forceRefresh = false): Promise<Client> {
    if (forceRefresh) this.clients = {};
    if (!this.clients[bucket]) {
      const token = forceRefresh ? await this.s.vault.refresh(this.portalId, true) : await this.s.vault.accessToken(this.portalId);
      this.clients[bucket] = hubspotClient(token, this.s.config.HUBSPOT_API_BASE_URL, 0, (headers) => {
        const tighter = this.budget.observe(this.portalId, bucket, headers);
        if (tighter) this.s.log.warn({ portalId: this.portalId, bucket, limit: tighter.limit, windowMs: tighter.windowMs }, 'HubSpot announced a tighter rate limit for this portal; budgeting at it');
      });
    }
    return this.clients[bucket]!;
  }

  /** Runs one HubSpot call under the budget, retrying what can be retried. */
  async call<T>(bucket: Bucket, fn: (c: Client) => Promise<T>): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.budget.take(this.portalId, bucket);
      const client = await this.ensureClient(bucket);
      this.tally.requests++;
      const sec = Math.floor(Date.now() / 1000);
      const perSec = this.tally.seconds.get(sec) ?? [0, 0];
      perSec[bucket === 'general' ? 0 : 1]++;
      this.tally.seconds.set(sec, perSec);
      try {
        return await fn(client);
      } catch (err) {
        const status = statusOf(err);
        const body = bodyOf(err);
        if (status === 401 && !refreshed) {
          refreshed = true;
          await this.ensureClient(bucket, true);
          continue;
        }
        if (status === 403 && /PORTAL_WRITE_LOCK|paused/i.test(`${body.subCategory ?? ''} ${body.message ?? ''}`)) {
          throw new KustiqError('ERR_PORTAL_PAUSED', `HubSpot refused writes to portal ${this.portalId}: the portal is paused or read-only`);
        }
        const retryable = status === 429 || status === 423 || status >= 500 || status === 0;
        if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
        this.tally.retries++;
        if (status === 429) {
          this.tally.http429++;
          // Another client of the same portal (or a clock off by more than our margin):
          // treat the window as spent.
          const interval = Number((err as HttpError).headers?.['x-hubspot-ratelimit-interval-milliseconds'] ?? (bucket === 'search' ? 1000 : 10_000));
          await this.budget.exhaust(this.portalId, bucket, Math.min(interval, 10_000));
          continue;
        }
        const base = status === 423 ? 2000 : 250 * 2 ** (attempt - 1);
        await sleep(Math.min(30_000, base + this.random() * base));
      }
    }
  }
}
