import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldError } from '../../server/errors/field-error';
import { MAX_ENDPOINTS_PER_WORKSPACE, saveEndpoint } from '../../server/webhooks/endpoints';
import { RateLimited, sendTestEvent, TEST_EVENTS_PER_MINUTE } from '../../server/webhooks/webhook-admin';
import { useBackend } from '../support/backend';

/**
 * Finding 1 of issue 15, the per-workspace caps: endpoints (a documented maximum, refused
 * on save naming the field) and "Send test event" (a rate limit per workspace). Public
 * targets are written as addresses so saving them needs no DNS; nothing is sent (no worker).
 */
describe('per-workspace webhook caps', () => {
  const fx = useBackend({ companies: 1, contacts: 0 });
  let b: ReturnType<typeof fx.browser>;
  let csrf: string;
  let workspaceId: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await b.go(path, { method, headers: { 'x-kustiq-csrf': csrf, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: r.res.status, headers: r.res.headers, json: JSON.parse(r.body) };
  };
  const form = async (path: string, fields: Record<string, string>) => {
    const r = await b.go(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, ...fields }).toString() });
    return { status: r.res.status, headers: r.res.headers, body: r.body };
  };
  const count = async (ws: string) => Number((await fx.db.knex('webhook_endpoints').where({ workspace_id: ws }).count('* as n').first())!.n);

  beforeAll(async () => {
    b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    workspaceId = (await fx.db.knex('workspaces').first()).id;
  });
  afterAll(async () => undefined);

  it(`a workspace has at most ${MAX_ENDPOINTS_PER_WORKSPACE} endpoints: one more is refused naming the field, by the API and the form`, async () => {
    expect(MAX_ENDPOINTS_PER_WORKSPACE).toBe(10);
    for (let i = 0; i < 10; i++) {
      const r = await api('POST', '/api/webhooks/endpoints', { url: `https://93.184.216.34/hook-${i}` });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    const refused = await api('POST', '/api/webhooks/endpoints', { url: 'https://93.184.216.34/hook-10' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fields).toEqual([{ field: 'endpoints', problem: 'a workspace has at most 10 endpoints: delete one before adding another' }]);
    const page = await form('/webhooks/endpoints', { url: 'https://93.184.216.34/hook-10', eventTypes: 'company.enriched' });
    expect(page.status).toBe(400);
    expect(page.body).toContain('endpoints: a workspace has at most 10 endpoints');
    expect(page.body).toMatch(/data-testid="add-endpoint" disabled/);
    expect(await count(workspaceId)).toBe(10);
    // Editing one that exists is not adding one.
    const [first] = (await api('GET', '/api/webhooks')).json.endpoints;
    expect((await api('PUT', `/api/webhooks/endpoints/${first.id}`, { url: 'https://93.184.216.34/moved' })).status).toBe(200);
  });

  it('twelve saves at once when one place is free: exactly one gets it', async () => {
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'Racing' }).returning('id');
    for (let i = 0; i < 9; i++) await saveEndpoint(fx.db.knex, ws.id, { url: `https://93.184.216.34/r-${i}` }, { allowPrivate: false });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => saveEndpoint(fx.db.knex, ws.id, { url: `https://93.184.216.34/race-${i}` }, { allowPrivate: false })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(errors.every((e) => e instanceof FieldError && e.field === 'endpoints')).toBe(true);
    expect(await count(ws.id)).toBe(10);
  });

  it(`"Send test event": at most ${TEST_EVENTS_PER_MINUTE} a minute per workspace, then 429 naming the limit and when to try again; another workspace is not affected`, async () => {
    expect(TEST_EVENTS_PER_MINUTE).toBe(10);
    for (let i = 0; i < 10; i++) expect((await api('POST', '/api/webhooks/test')).status).toBe(200);
    const limited = await api('POST', '/api/webhooks/test');
    expect(limited.status).toBe(429);
    expect(limited.json.error.fields[0]).toMatchObject({ field: 'testEvent', problem: expect.stringMatching(/^at most 10 test events a minute per workspace: try again in \d+ s$/) });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json.error.retryAfterSeconds).toBe(retryAfter);
    const page = await form('/webhooks/test', {});
    expect(page.status).toBe(429);
    expect(page.body).toContain('testEvent: at most 10 test events a minute per workspace');
    expect(await fx.db.knex('webhook_events').where({ workspace_id: workspaceId, type: 'test' }).count('* as n').first()).toEqual({ n: '10' });
    // Another workspace has its own minute; clicks at once are counted exactly.
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'Other' }).returning('id');
    await saveEndpoint(fx.db.knex, ws.id, { url: 'https://93.184.216.34/other' }, { allowPrivate: false });
    const burst = await Promise.allSettled(Array.from({ length: 12 }, () => sendTestEvent(fx.db.knex, undefined, ws.id)));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(burst.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])).every((e) => e instanceof RateLimited)).toBe(true);
    // A minute later there is room again.
    await fx.db.knex('webhook_events').where({ workspace_id: workspaceId, type: 'test' }).update({ created_at: fx.db.knex.raw(`created_at - interval '61 seconds'`) });
    expect((await api('POST', '/api/webhooks/test')).status).toBe(200);
  });

  it('an IPv4-compatible or IPv4-mapped loopback is refused on save, naming the url field', async () => {
    await fx.db.knex('webhook_endpoints').where({ workspace_id: workspaceId }).delete();
    for (const url of ['http://[::127.0.0.1]/', 'http://[::7f00:1]/', 'http://[::ffff:127.0.0.1]/']) {
      const r = await api('POST', '/api/webhooks/endpoints', { url });
      expect(r.status, url).toBe(400);
      expect(r.json.error.fields[0], url).toMatchObject({ field: 'url', problem: expect.stringMatching(/private network: .* is an IPv4-(compatible|mapped) IPv6 address/) });
    }
  });
});
