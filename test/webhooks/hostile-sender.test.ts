import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSender, type SendResult } from '../../server/webhooks/http-sender';
import { HostileReceivers } from './hostile';

/**
 * Finding 1 of issue 15, the sender: every attempt ends exactly once within its deadline
 * (the whole exchange, the answer's body included), and its socket is closed, whatever the
 * receiver does. A short deadline keeps the test quick; production's is 10 s.
 */
const DEADLINE_MS = 1500;
/** Longer than any attempt may take: reaching it means the attempt never ended. */
const NEVER_MS = DEADLINE_MS + 3000;

async function within<T>(p: Promise<T>, ms: number): Promise<T | 'never ended'> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<'never ended'>((r) => { t = setTimeout(() => r('never ended'), ms); })]);
  } finally {
    clearTimeout(t);
  }
}

describe('an attempt against a hostile receiver', () => {
  let rx: HostileReceivers;
  const send = httpSender({ allowPrivate: true, timeoutMs: DEADLINE_MS });
  const post = (url: string) => within(send(url, JSON.stringify({ id: 'e1' }), { 'x-kustiq-signature': '0'.repeat(64) }), NEVER_MS);
  const socketsClosed = async () => {
    for (let i = 0; i < 20 && (await rx.stats()).open > 0; i++) await new Promise((r) => setTimeout(r, 50));
    return (await rx.stats()).open;
  };

  beforeAll(async () => { rx = await HostileReceivers.start(); });
  afterAll(async () => { await rx?.stop(); });

  it('a 256 KB answer is cut at 64 KB: the attempt ends at once and its socket is closed', async () => {
    const r = await post(rx.url('/huge'));
    expect(r).not.toBe('never ended');
    const res = r as SendResult;
    expect(res.status).toBe(200);
    expect(res.error).toMatch(/64 KB/);
    expect(res.latencyMs).toBeLessThan(DEADLINE_MS);
    expect(await socketsClosed()).toBe(0);
  });

  it('an answer dripping a byte a second ends at the deadline, body included, and its socket is closed', async () => {
    const r = await post(rx.url('/drip'));
    expect(r).not.toBe('never ended');
    const res = r as SendResult;
    // The status line came in time (the receiver said 200); the body did not finish.
    expect(res.status).toBe(200);
    expect(res.error).toMatch(/not finished within 1.5 s/);
    expect(res.latencyMs).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(res.latencyMs).toBeLessThan(DEADLINE_MS + 500);
    expect(await socketsClosed()).toBe(0);
  });

  it('a receiver that never answers: no answer at the deadline, and its socket is closed', async () => {
    const r = await post(rx.url('/hang'));
    expect(r).not.toBe('never ended');
    const res = r as SendResult;
    expect(res.status).toBeNull();
    expect(res.error).toMatch(/no answer within 1.5 s/);
    expect(res.latencyMs).toBeLessThan(DEADLINE_MS + 500);
    expect(await socketsClosed()).toBe(0);
  });

  it('many at once all end within the deadline, and a healthy answer still reuses a kept-alive socket', async () => {
    const t0 = Date.now();
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => post(rx.url((['/huge', '/drip', '/hang'] as const)[i % 3]!))));
    expect(all.filter((r) => r === 'never ended')).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + 1000);
    expect(await socketsClosed()).toBe(0);
    const ok1 = (await post(rx.url('/ok'))) as SendResult;
    const ok2 = (await post(rx.url('/ok'))) as SendResult;
    expect([ok1.status, ok2.status, ok1.error, ok2.error]).toEqual([204, 204, null, null]);
    expect((await rx.stats()).open).toBe(1); // the two healthy attempts shared one kept-alive socket
  });
});
