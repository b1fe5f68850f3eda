import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { signV3 } from '../../server/hubspot/signature';
import { CONTENT_SECURITY_POLICY, securityHeaders } from '../../server/http/security-headers';
import { errorPage, loginPage, unavailablePage } from '../../server/dashboard/pages';
import { useBackend } from '../support/backend';

/** Whatever the CSP would refuse to run or apply: inline scripts without a nonce, event-handler attributes, <style>, javascript: URLs. */
export function inlineProblems(html: string): string[] {
  const out: string[] = [];
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    const name = /^<([a-zA-Z0-9-]+)/.exec(tag)![1]!.toLowerCase();
    if (name === 'script' && !/\ssrc="\/[^/]/.test(tag) && !/\snonce="[^"]+"/.test(tag)) out.push(`inline script: ${tag}`);
    if (name === 'style') out.push(`<style> element: ${tag}`);
    const handler = /\s(on[a-z]+)\s*=/i.exec(tag);
    if (handler) out.push(`${handler[1]} handler: ${tag}`);
    if (/(href|src|action)\s*=\s*"\s*javascript:/i.test(tag)) out.push(`javascript: URL: ${tag}`);
  }
  return out;
}

describe('security headers and the Content-Security-Policy', () => {
  const fx = useBackend({ portalId: 25_100_001 });

  const EXPECTED = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const expectHeaders = (h: Headers, what: string) => {
    for (const [k, v] of Object.entries(EXPECTED)) expect(h.get(k), `${what}: ${k}`).toBe(v);
    // PUBLIC_URL is plain http here (a development origin): no HSTS.
    expect(h.get('strict-transport-security'), what).toBeNull();
  };

  it('the policy forbids inline scripts, framing and foreign form targets', () => {
    const csp = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(csp).toMatchObject({ 'default-src': "'self'", 'script-src': "'self'", 'style-src': "'self'", 'frame-ancestors': "'none'", 'form-action': "'self'", 'object-src': "'none'", 'base-uri': "'none'" });
    // Only style attributes may be inline (they cannot run code); nothing else is unsafe.
    for (const [directive, value] of Object.entries(csp)) if (directive !== 'style-src-attr') expect(value, directive).not.toContain('unsafe');
  });

  it('HSTS only when PUBLIC_URL is https', () => {
    expect(securityHeaders({ PUBLIC_URL: 'https://app.kustiq.com' })['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(securityHeaders({ PUBLIC_URL: 'http://localhost:3000' })['strict-transport-security']).toBeUndefined();
    expect(securityHeaders({ PUBLIC_URL: undefined })['strict-transport-security']).toBeUndefined();
  });

  it('every dashboard page, the JSON API, errors and the static assets carry them; no page has an inline script, handler or <style>', async () => {
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    const pages = ['/login', '/login?ended=disconnect', '/integrations', '/review', '/sync', '/sync/scope', '/icp', '/webhooks', '/docs/troubleshooting', '/oauth/callback?state=forged&code=x'];
    for (const path of pages) {
      const res = await b.request(path);
      const html = await res.text();
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
      expectHeaders(res.headers, path);
      expect(inlineProblems(html), path).toEqual([]);
      // The stylesheet and the script are this origin's files, served with the same headers.
      for (const asset of html.match(/(?:href|src)="(\/assets\/[^"]+)"/g) ?? []) {
        const url = /"([^"]+)"/.exec(asset)![1]!;
        const a = await b.request(url);
        expect(a.status, url).toBe(200);
        expectHeaders(a.headers, url);
      }
    }
    expect(inlineProblems((await b.go('/integrations')).body)).toEqual([]);
    expect((await b.go('/integrations')).body).toMatch(/<script src="\/assets\/kustiq-[0-9a-f]+\.js" defer><\/script>/);
    for (const path of ['/api/connection', '/healthz', '/no/such/path']) expectHeaders((await b.request(path)).headers, path);
    // Pages rendered for states the flow above does not reach.
    for (const html of [loginPage('a notice'), errorPage('Title', 'message', 'ERR_OAUTH_REVOKED'), unavailablePage(true, 5), unavailablePage(false, 5)]) expect(inlineProblems(html)).toEqual([]);
  });

  it('the scan catches what the CSP would block (control)', () => {
    expect(inlineProblems('<form onsubmit="return confirm(1)"><script>alert(1)</script><style>p{}</style><a href="javascript:x">')).toHaveLength(4);
    expect(inlineProblems('<script src="/assets/a.js"></script><script nonce="abc">ok()</script>')).toEqual([]);
  });

  it('the card\'s status read (plain node:http) carries them too', async () => {
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'Card' }).returning('id');
    await fx.db.knex('hubspot_connections').insert({ workspace_id: ws.id, portal_id: '25100002', status: 'connected', connected_at: new Date() });
    const path = '/card/v1/record?objectType=companies&objectId=1&userId=9&userEmail=rep%40portal.example&appId=1&portalId=25100002';
    const ts = String(Date.now());
    const signature = signV3(fx.emu.clientSecret, 'GET', fx.publicUrl + path, '', ts);
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(new URL(fx.url).port), path, headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.resume();
        res.on('end', () => resolve(res.headers));
      });
      req.on('error', reject);
      req.end();
    });
    for (const [k, v] of Object.entries(EXPECTED)) expect(headers[k], k).toBe(v);
  });
});

describe('HSTS behind an https PUBLIC_URL', () => {
  const fx = useBackend({ portalId: 25_100_003 }, { PUBLIC_URL: 'https://app.kustiq.test' });
  it('every response says Strict-Transport-Security', async () => {
    for (const path of ['/login', '/api/connection', '/healthz']) {
      expect((await fetch(`${fx.url}${path}`, { redirect: 'manual' })).headers.get('strict-transport-security'), path).toBe('max-age=31536000; includeSubDomains');
    }
  });
});
