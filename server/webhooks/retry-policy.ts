/**
 * When a delivery is tried again (interfaces.md §3, from the seed): a 5xx, a timeout or no
 * answer is retried after 1m, 5m, 30m, 2h and 12h; an event still undelivered 24 hours
 * after its first attempt is dropped (and written to the dead-letter log). 2xx ends it; a
 * 4xx other than 408 and 429 is the receiver saying no: not retried. Pure.
 */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000] as const;
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
export const TIMEOUT_MS = 10_000;

export type Verdict = 'delivered' | 'retry' | 'refused';

/** What an answer means: `status` is the HTTP status, or null when there was none (timeout, refused connection, DNS). */
export function verdictOf(status: number | null): Verdict {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'refused';
}

/** After `attempts` failed attempts, the first made at `firstAttemptAt`: when to try again, or null to drop it. */
export function nextAttemptAt(attempts: number, firstAttemptAt: Date, now: Date): Date | null {
  if (attempts < 1 || attempts > RETRY_DELAYS_MS.length) return null;
  const at = new Date(now.getTime() + RETRY_DELAYS_MS[attempts - 1]!);
  return at.getTime() - firstAttemptAt.getTime() > GIVE_UP_AFTER_MS ? null : at;
}
