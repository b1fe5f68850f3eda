import { randomUUID } from 'node:crypto';

/** A rolling window of request times per key (portal:app): HubSpot's TEN_SECONDLY_ROLLING. */
export class RollingWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly windowMs: () => number, private readonly max: () => number) {}

  /** Records a hit if allowed; returns what remains after it (or -1 when refused). */
  take(key: string, now: number): number {
    let arr = this.hits.get(key);
    if (!arr) this.hits.set(key, (arr = []));
    const cutoff = now - this.windowMs();
    let drop = 0;
    while (drop < arr.length && arr[drop]! <= cutoff) drop++;
    if (drop) arr.splice(0, drop);
    if (arr.length >= this.max()) return -1;
    arr.push(now);
    return this.max() - arr.length;
  }

  remaining(key: string, now: number): number {
    const arr = this.hits.get(key) ?? [];
    const cutoff = now - this.windowMs();
    return this.max() - arr.filter((t) => t > cutoff).length;
  }

  reset(): void {
    this.hits.clear();
  }
}

export function tenSecondly429() {
  return {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: 'TEN_SECONDLY_ROLLING',
    requestId: randomUUID().replace(/-/g, ''),
  };
}

export function secondly429() {
  return {
    status: 'error',
    message: 'You have reached your secondly limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: 'SECONDLY',
    requestId: randomUUID().replace(/-/g, ''),
  };
}
