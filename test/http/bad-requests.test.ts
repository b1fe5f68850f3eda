import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { signV3 } from '../../server/hubspot/signature';
import { answerFor } from '../../server/http/errors';
import { useBackend } from '../support/backend';

/**
 * A request the client got wrong answers 4xx naming what is wrong and is logged at info,
 * never 500 at error: a body that is not JSON (400, `(body)`), one that is too large (413),
 * an id in the path that is not one (404, naming it).
 */
describe('bad input: 400 / 413 / 404 naming the field, logged at info', () => {
  const fx = useBackend({ portalId: 25_200_001 });
  let csrf = '';
  let b: ReturnType<typeof fx.browser>;
  beforeAll(async () => {
    b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  });

  const logsSince = (n: number) => fx.logs.slice(n).map((l) => JSON.parse(l) as { level: number; msg: string; status?: number });
  /** The request's log lines: one "request refused" at info (30), nothing at error (50). */
  const expectInfoOnly = (from: number, status: number) => {
    const lines = logsSince(from);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.find((l) => l.msg === 'request refused')).toMatchObject({ level: 30, status });
  };

  it('a body that is not JSON: 400 naming (body)', async () => {
    for (const [method, path] of [['PUT', '/api/icp'], ['POST', '/api/review/decide'], ['POST', '/api/webhooks/endpoints'], ['POST', '/api/connection/disconnect']] as const) {
      const from = fx.logs.length;
      const r = await b.request(path, { method, headers: { 'content-type': 'application/json', 'x-kustiq-csrf': csrf }, body: '{"tiers": [' });
      expect(r.status, path).toBe(400);
      expect(await r.json(), path).toEqual({ error: { message: 'body is not valid JSON', fields: [{ field: '(body)', problem: 'is not valid JSON' }] } });
      expectInfoOnly(from, 400);
    }
    expect((await fx.db.knex('hubspot_connections').first()).status).toBe('connected');
  });

  it('a body over the route\'s limit: 413 naming (body) with the limit', async () => {
    const from = fx.logs.length;
    const r = await b.request('/api/icp', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-kustiq-csrf': csrf }, body: JSON.stringify({ tiers: [], pad: 'x'.repeat(70_000) }) });
    expect(r.status).toBe(413);
    const body = await r.json() as { error: { message: string; fields?: { field: string; problem: string }[] } };
    expect(body.error.fields).toEqual([{ field: '(body)', problem: 'is larger than 65536 bytes' }]);
    expectInfoOnly(from, 413);
    // A dashboard form too large: the same status, as a page.
    const form = await b.request('/review/decide', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}&x=${'y'.repeat(20_000)}` });
    expect(form.status).toBe(413);
    expect(form.headers.get('content-type')).toMatch(/text\/html/);
    expect(await form.text()).toContain('body is too large');
  });

  it('an id in the path that is not one: 404 naming the field', async () => {
    for (const path of ['/api/sync/runs/not-a-uuid', '/api/record-syncs/123', '/api/webhooks/deliveries/nope']) {
      const from = fx.logs.length;
      const r = await b.request(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      const body = await r.json() as { error: { message: string; fields?: { field: string; problem: string }[] } };
      expect(body.error.fields?.[0]?.field, path).toMatch(/^(id|deliveryId)$/);
      expect(logsSince(from).filter((l) => l.level >= 50), path).toEqual([]);
      if (!path.startsWith('/api/webhooks')) expect(r.status, path).toBe(404);
    }
    // The card's Sync-now progress, signed as HubSpot's proxy does.
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'Card' }).returning('id');
    await fx.db.knex('hubspot_connections').insert({ workspace_id: ws.id, portal_id: '25200002', status: 'connected', connected_at: new Date() });
    const path = '/card/v1/record-syncs/not-a-uuid?userId=9&userEmail=rep%40portal.example&appId=1&portalId=25200002';
    const ts = String(Date.now());
    const res = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(new URL(fx.url).port), path, headers: { 'x-hubspot-signature-v3': signV3(fx.emu.clientSecret, 'GET', fx.publicUrl + path, '', ts), 'x-hubspot-request-timestamp': ts } }, (r) => {
        let d = '';
        r.on('data', (c) => (d += c));
        r.on('end', () => resolve({ status: r.statusCode!, body: JSON.parse(d) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({ status: 404, body: { error: { message: 'No such sync for this portal', fields: [{ field: 'id', problem: 'is not a sync id' }] } } });
  });

  it('a form route with a malformed id in its path answers 4xx, never 500 at error', async () => {
    const from = fx.logs.length;
    const r = await b.request('/webhooks/endpoints/not-a-uuid/delete', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    expect([400, 404]).toContain(r.status);
    expect(logsSince(from).filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a route that lets a malformed id reach Postgres still answers 404 (id in the path) or 400 (elsewhere), never 500', () => {
    const pg = (value: string) => Object.assign(new Error(`select * from "x" where "id" = $1 - invalid input syntax for type uuid: "${value}"`), { code: '22P02' });
    expect(answerFor(pg('abc'), '/webhooks/endpoints/abc/delete')).toMatchObject({ status: 404, level: 'info', fields: [{ field: 'id', problem: 'is not a valid id' }] });
    expect(answerFor(pg('abc'), '/api/review/decide')).toMatchObject({ status: 400, level: 'info' });
    expect(answerFor(new Error('boom'), '/api/x')).toMatchObject({ status: 500, level: 'error' });
  });
});
