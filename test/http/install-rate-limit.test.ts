import { describe, expect, it } from 'vitest';
import { clientKey, RateLimiter } from '../../server/http/rate-limit';
import { INSTALL_RATE_LIMIT } from '../../server/install/oauth-flow';
import { useBackend } from '../support/backend';

/**
 * GET /oauth/install is unauthenticated and stores a state row: each client address may
 * start INSTALL_RATE_LIMIT.limit installs per window, then gets 429 with Retry-After (and
 * no row). Addresses come from the socket, or from X-Forwarded-For's right-most entries
 * only when a proxy on this machine or a private network sent it.
 */
describe('rate limit on /oauth/install', () => {
  const fx = useBackend({ portalId: 25_700_001 });
  const install = (forwardedFor?: string) => fetch(`${fx.url}/oauth/install?purpose=login`, { redirect: 'manual', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  const states = async () => Number((await fx.db.knex('oauth_states').count<{ n: string }[]>('* as n'))[0]!.n);

  it(`allows ${INSTALL_RATE_LIMIT.limit} installs per client in ${INSTALL_RATE_LIMIT.windowMs / 60_000} minutes, then answers 429 with Retry-After and stores nothing`, async () => {
    expect(INSTALL_RATE_LIMIT).toEqual({ limit: 30, windowMs: 600_000 });
    const before = await states();
    for (let i = 0; i < INSTALL_RATE_LIMIT.limit; i++) expect((await install('203.0.113.7')).status).toBe(302);
    expect(await states()).toBe(before + INSTALL_RATE_LIMIT.limit);

    const refused = await install('203.0.113.7');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(await refused.text()).toContain('Too many sign-in attempts');
    expect(await states()).toBe(before + INSTALL_RATE_LIMIT.limit);
    // Logged at info, not as an error.
    const line = fx.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'install rate limit reached');
    expect(line).toMatchObject({ level: 30, client: '203.0.113.7' });

    // A spoofed left-most X-Forwarded-For does not escape it: the proxy's own (right-most) entry counts.
    expect((await install('198.51.100.1, 203.0.113.7')).status).toBe(429);
    // Another client is not affected.
    expect((await install('203.0.113.8')).status).toBe(302);
  });

  it('counts an IPv6 client by its /64; a window ends', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    let now = 0;
    const rl = new RateLimiter(2, 1000, 100, () => now);
    expect([rl.take('a').ok, rl.take('a').ok, rl.take('a').ok]).toEqual([true, true, false]);
    now = 400;
    expect(rl.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 1000;
    expect(rl.take('a').ok).toBe(true);
  });

  it('keeps its memory bounded', () => {
    let now = 0;
    const rl = new RateLimiter(1, 60_000, 1000, () => now);
    for (let i = 0; i < 5000; i++) rl.take(`c${i}`);
    expect((rl as unknown as { hits: Map<string, unknown> }).hits.size).toBeLessThanOrEqual(1000);
    now = 60_000;
    rl.take('fresh');
    expect(rl.take('fresh').ok).toBe(false);
  });
});
