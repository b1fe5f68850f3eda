import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';

/**
 * Every state-changing dashboard route refuses a signed-in browser's request that lacks the
 * session's CSRF token (a form another site makes the browser post), and one carrying a
 * wrong token. The routes are read from the source, so a new route is covered the day it
 * is added. Routes HubSpot signs (the card's, HubSpot's webhooks) authenticate otherwise.
 */
const SIGNED_BY_HUBSPOT = new Set(['/card/v1/record/sync', '/hubspot/webhooks']);

function stateChangingRoutes(): { method: string; path: string }[] {
  const root = path.resolve(__dirname, '../..');
  const out = new Map<string, { method: string; path: string }>();
  for (const dir of ['server/dashboard', 'server/http']) {
    for (const f of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith('.ts'))) {
      for (const m of fs.readFileSync(path.join(root, dir, f), 'utf8').matchAll(/\b(?:r|app|router)\.(post|put|patch|delete)\('([^']+)'/g)) {
        if (!SIGNED_BY_HUBSPOT.has(m[2]!)) out.set(`${m[1]} ${m[2]}`, { method: m[1]!.toUpperCase(), path: m[2]! });
      }
    }
  }
  return [...out.values()];
}

describe('CSRF on every state-changing dashboard route', () => {
  const fx = useBackend({ companies: 5, contacts: 0 });
  let b: ReturnType<typeof fx.browser>;
  beforeAll(async () => {
    b = fx.browser();
    await b.go('/oauth/install?purpose=login');
  });
  const routes = stateChangingRoutes();

  it('finds the routes to check', () => {
    expect(routes.length).toBeGreaterThanOrEqual(28);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s refuses a request without the token, and with a wrong one', async (_name, r) => {
    const url = r.path.replace(':objectType', 'companies').replace(/:id\b/g, '00000000-0000-4000-8000-000000000001');
    const api = url.startsWith('/api/');
    for (const token of [undefined, 'not-the-token']) {
      const res = await b.go(url, api
        ? { method: r.method, headers: { 'content-type': 'application/json', ...(token ? { 'x-kustiq-csrf': token } : {}) }, body: '{}' }
        : { method: r.method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: token ? `csrf=${token}` : '' });
      expect(res.res.status, `${r.method} ${url} ${token ?? '(no token)'}: ${res.body.slice(0, 200)}`).toBe(403);
    }
    // The session itself is untouched: still signed in.
    expect((await b.go('/integrations')).res.status).toBe(200);
  });
});
