import ipaddr from 'ipaddr.js';

/**
 * A per-client rate limit kept in this process' memory: at most `limit` hits per client in
 * a fixed window of `windowMs`. Each web process counts on its own (N processes behind a
 * load balancer allow up to N × limit), which is enough for what it guards: an
 * unauthenticated endpoint that writes a row (GET /oauth/install). Memory is bounded:
 * windows that ended are dropped, and past `maxClients` the oldest half goes.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { start: number; count: number }>();

  constructor(readonly limit: number, readonly windowMs: number, private readonly maxClients = 100_000, private readonly now: () => number = Date.now) {}

  /** Counts a hit; `ok:false` with the seconds until the client's window ends once it is over the limit. */
  take(client: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    let w = this.hits.get(client);
    if (!w || now - w.start >= this.windowMs) {
      if (w) this.hits.delete(client);
      if (this.hits.size >= this.maxClients) this.prune(now);
      w = { start: now, count: 0 };
      this.hits.set(client, w);
    }
    if (w.count >= this.limit) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
    w.count++;
    return { ok: true };
  }

  private prune(now: number): void {
    for (const [k, w] of this.hits) if (now - w.start >= this.windowMs) this.hits.delete(k);
    // Still full: drop the oldest half (a Map iterates in insertion order).
    if (this.hits.size >= this.maxClients) {
      let n = Math.ceil(this.hits.size / 2);
      for (const k of this.hits.keys()) {
        if (n-- <= 0) break;
        this.hits.delete(k);
      }
    }
  }
}

/**
 * The client a rate limit counts: the IPv4 address, or an IPv6 address' /64 (one host gets
 * a whole /64 and could otherwise rotate through it). `ip` is Express' req.ip (app.ts says
 * which proxies are believed about X-Forwarded-For).
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  try {
    let a = ipaddr.parse(ip);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
    if (a.kind() === 'ipv4') return a.toString();
    const parts = (a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
    return `${parts.join(':')}::/64`;
  } catch {
    return ip;
  }
}
