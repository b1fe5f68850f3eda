import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpSender } from '../../server/webhooks/http-sender';
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

/** Finding 10 of issue 15: IPv6 forms that embed an IPv4 address, and refusals that keep resolved addresses to themselves. */
describe('the SSRF guard: IPv4 inside IPv6, and what a refusal says', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('refuses IPv4-compatible (::/96) and IPv4-mapped addresses in every notation, whatever they embed', async () => {
    const compatible = ['::127.0.0.1', '::7f00:1', '0:0:0:0:0:0:127.0.0.1', '0000:0000::7F00:0001', '::0:127.0.0.1', '::10.0.0.1', '::a9fe:a9fe', '::8.8.8.8', '::808:808'];
    const mapped = ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:127.0.0.1', '::FFFF:7F00:1', '0:0::ffff:a9fe:a9fe', '::ffff:10.0.0.1', '::ffff:8.8.8.8'];
    for (const a of compatible) expect(addressProblem(a), a).toMatch(/IPv4-compatible/);
    for (const a of mapped) expect(addressProblem(a), a).toMatch(/IPv4-mapped/);
    // The other forms that carry an IPv4 address, and what lies outside global unicast.
    for (const a of ['::ffff:0:127.0.0.1', '64:ff9b::127.0.0.1', '64:ff9b:1::a00:1', '2002:7f00:1::', '2001:0:7f00:1::', 'fec0::1', '100::1', '::1:0:0:1']) {
      expect(addressProblem(a), a).not.toBeNull();
    }
    for (const a of ['2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '8.8.8.8']) expect(addressProblem(a), a).toBeNull();
    // As typed in a URL (which writes them in hex): refused when saved…
    for (const url of ['http://[::127.0.0.1]/', 'http://[::7f00:1]/', 'http://[0:0:0:0:0:0:127.0.0.1]:8080/x', 'http://[::a9fe:a9fe]/latest/meta-data', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[0::FFFF:a9fe:a9fe]/', 'http://[64:ff9b::10.0.0.1]/']) {
      expect(await targetProblem(url, false), url).toMatch(/^must not point inside a private network: [0-9a-f:]+ is an? /);
    }
    // …and on every attempt, without a connection (a literal address is not looked up).
    const send = httpSender({ allowPrivate: false, timeoutMs: 2000 });
    for (const url of ['http://[::127.0.0.1]:9/hook', 'http://[::7f00:1]:9/hook', 'http://[::ffff:127.0.0.1]:9/hook', 'http://[::ffff:7f00:1]:9/hook']) {
      const r = await send(url, '{}', {});
      expect(r, url).toMatchObject({ status: null, refusedTarget: true, error: expect.stringMatching(/non-public address.*IPv4-(compatible|mapped)/) });
    }
  });

  it('a host name that resolves inside: the refusal names the host and the kind of address, never the address', async () => {
    const answers: Record<string, { address: string; family: number }[]> = {
      'intranet.example': [{ address: '10.20.30.40', family: 4 }],
      'metadata.example': [{ address: '169.254.169.254', family: 4 }],
      'compat.example': [{ address: '::7f00:1', family: 6 }],
      'mapped.example': [{ address: '::ffff:172.16.5.9', family: 6 }],
      'mixed.example': [{ address: '93.184.216.34', family: 4 }, { address: 'fd12:3456::7', family: 6 }],
    };
    const addresses = Object.values(answers).flat().map((a) => a.address).concat(['172.16.5.9', 'ac10:509', '127.0.0.1', '::1']);
    vi.spyOn(dns.promises, 'lookup').mockImplementation((async (host: string) => answers[host] ?? []) as never);
    vi.spyOn(dns, 'lookup').mockImplementation(((host: string, _o: unknown, cb: (e: null, a: unknown) => void) => cb(null, answers[host] ?? [])) as never);
    const send = httpSender({ allowPrivate: false, timeoutMs: 2000 });
    const kinds: Record<string, RegExp> = { 'intranet.example': /private/, 'metadata.example': /linkLocal/, 'compat.example': /IPv4-compatible/, 'mapped.example': /IPv4-mapped/, 'mixed.example': /uniqueLocal/ };
    for (const [host, kind] of Object.entries(kinds)) {
      const saved = await targetProblem(`https://${host}/hook`, false);
      const attempted = await send(`https://${host}/hook`, '{}', {});
      expect(attempted.refusedTarget, host).toBe(true);
      for (const text of [saved!, attempted.error!]) {
        expect(text, host).toContain(host);
        expect(text, host).toMatch(kind);
        for (const a of addresses) expect(text, `${host}: ${text}`).not.toContain(a);
      }
    }
  });

  it('the real resolver too: localhost is refused as loopback without printing 127.0.0.1 or ::1', async () => {
    const saved = await targetProblem('http://localhost:9/x', false);
    const attempted = await httpSender({ allowPrivate: false, timeoutMs: 2000 })('http://localhost:9/x', '{}', {});
    for (const text of [saved!, attempted.error!]) {
      expect(text).toMatch(/localhost resolves to a loopback address/);
      expect(text).not.toMatch(/127\.0\.0\.1|::1/);
    }
  });
});
