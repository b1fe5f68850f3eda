import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator';

describe('HubSpot rate limits in the local HubSpot', () => {
  const fx = useEmulator({ companies: 5 });

  it('answers the 111th request inside 10 s with HubSpot 429, headers and body', async () => {
    await fx.admin.call('POST', '/reset', { keepPortals: true });
    // A frozen clock keeps all 111 inside one window however slow the machine is.
    await fx.admin.settings({ freezeClock: true });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof fx.api>> | undefined;
    for (let i = 1; i <= 111; i++) {
      last = await fx.api('GET', '/crm/v3/objects/companies?limit=1');
      statuses.push(last.status);
      if (i === 110) {
        expect(last.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
      }
    }
    expect(statuses.slice(0, 110).every((s) => s === 200)).toBe(true);
    expect(last!.status).toBe(429);
    expect(last!.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(last!.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(last!.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(last!.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(last!.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof last!.body.requestId).toBe('string');
  });

  it('frees the window as it rolls: requests succeed again once 10 s have passed', async () => {
    await fx.admin.call('POST', '/reset', { keepPortals: true });
    await fx.admin.settings({ freezeClock: true });
    for (let i = 0; i < 110; i++) await fx.api('GET', '/crm/v3/objects/companies?limit=1');
    expect((await fx.api('GET', '/crm/v3/objects/companies?limit=1')).status).toBe(429);
    await fx.admin.settings({ clockAdvanceMs: 10_001 });
    const again = await fx.api('GET', '/crm/v3/objects/companies?limit=1');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
  });

  it('limits search separately at 5 requests a second, with the secondly message', async () => {
    await fx.admin.call('POST', '/reset', { keepPortals: true });
    await fx.admin.settings({ freezeClock: true });
    for (let i = 0; i < 105; i++) await fx.api('GET', '/crm/v3/objects/companies?limit=1');
    const search = async () => fx.api('POST', '/crm/v3/objects/companies/search', { limit: 1 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await search());
    // Search does not draw on the ten-secondly budget, and has its own.
    expect(results.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results[5]!.status).toBe(429);
    expect(results[5]!.body).toMatchObject({ message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT' });
    expect((await fx.api('GET', '/crm/v3/objects/companies?limit=1')).headers.get('x-hubspot-ratelimit-remaining')).toBe('4');
  });

  it('can be switched off for benchmarks', async () => {
    await fx.admin.call('POST', '/reset', { keepPortals: true });
    await fx.admin.settings({ rateLimit: { enabled: false } });
    for (let i = 0; i < 150; i++) expect((await fx.api('GET', '/crm/v3/objects/companies?limit=1')).status).toBe(200);
    await fx.admin.settings({ rateLimit: { enabled: true } });
  });
});
