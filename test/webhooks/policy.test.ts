import { describe, expect, it } from 'vitest';
import { nextAttemptAt, verdictOf } from '../../server/webhooks/retry-policy';
import { addressProblem, targetProblem, urlProblem } from '../../server/webhooks/target-guard';
import { deliveryBody, signBody } from '../../server/webhooks/signing';

describe('the retry policy', () => {
  it('2xx ends it; 5xx, 408, 429 and no answer retry; other 4xx stop', () => {
    expect([200, 204, 299].map(verdictOf)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([500, 502, 503, 408, 429, null].map(verdictOf)).toEqual(Array(6).fill('retry'));
    expect([400, 401, 403, 404, 410, 422].map(verdictOf)).toEqual(Array(6).fill('refused'));
    expect(verdictOf(301)).toBe('refused');
  });

  it('retries after 1m, 5m, 30m, 2h and 12h, then drops the event (24 hours)', () => {
    const first = new Date('2026-11-22T00:00:00Z');
    let now = first;
    const gaps: number[] = [];
    for (let attempts = 1; ; attempts++) {
      const next = nextAttemptAt(attempts, first, now);
      if (!next) break;
      gaps.push((next.getTime() - now.getTime()) / 60_000);
      now = next;
    }
    expect(gaps).toEqual([1, 5, 30, 120, 720]);
    // A redelivery late in its 24 hours is dropped rather than retried past them.
    expect(nextAttemptAt(5, first, new Date(first.getTime() + 13 * 3_600_000))).toBeNull();
  });
});

describe('webhook targets', () => {
  it('only http(s), no credentials, and only public addresses', async () => {
    expect(urlProblem('ftp://example.com/x')).toContain('http or https');
    expect(urlProblem('https://user:pw@example.com/')).toContain('user name');
    expect(urlProblem('not a url')).toContain('full URL');
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '224.0.0.1']) {
      expect(addressProblem(a), a).not.toBeNull();
    }
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111']) expect(addressProblem(a), a).toBeNull();
    expect(await targetProblem('http://127.0.0.1:9/x', false)).toContain('loopback');
    expect(await targetProblem('http://[::1]/x', false)).toContain('loopback');
    expect(await targetProblem('http://169.254.169.254/latest/meta-data', false)).toContain('linkLocal');
    expect(await targetProblem('http://localhost/x', false)).toContain('loopback');
    expect(await targetProblem('http://127.0.0.1:9/x', true)).toBeNull();
  });
});

describe('the wire format', () => {
  it('has the fields of interfaces.md §3 with a fresh timestamp, and a bare hex HMAC of the exact bytes', () => {
    const e = { id: 'e1', type: 'company.enriched', workspaceId: 'w', portalId: 7, objectType: 'companies', objectId: '42', profileId: 'p1', properties: { kustiq_industry: 'software' } };
    const body = deliveryBody(e, new Date('2026-11-22T10:00:00.900Z'));
    expect(JSON.parse(body)).toEqual({ timestamp: 1795341600, ...e });
    expect(signBody('s3cret', body)).toMatch(/^[0-9a-f]{64}$/);
    expect(signBody('s3cret', body)).not.toBe(signBody('s3cret', `${body} `));
  });
});
