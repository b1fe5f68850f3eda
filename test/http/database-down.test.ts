import { randomBytes } from 'node:crypto';
import { request, type Server } from 'node:http';
import { Writable } from 'node:stream';
import type { Knex } from 'knex';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../emulator/browser-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { loadConfig } from '../../server/config';
import { createKnex } from '../../server/db/database';
import { freePort } from '../../server/db/embedded-postgres';
import { signV3 } from '../../server/hubspot/signature';
import { createHttpServer } from '../../server/http/app';
import { installServices } from '../../server/install/services';
import { createLogger } from '../../server/log';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testKey } from '../support/backend';
import { PgProxy } from './pg-proxy';

/**
 * While the database cannot be reached (refused, connections cut, backends terminated),
 * the HTTP side answers 503 with Retry-After (JSON for the API, the card and HubSpot's
 * webhooks; a page for the dashboard), never 500, and the process stays up; once the
 * database is back, the next requests succeed with no restart (knex's pool reconnects).
 * The backend reaches its database through a proxy this test takes down and brings back.
 */
describe('the database unreachable: 503 with Retry-After, never 500, and recovery by itself', () => {
  let emu: RunningEmulator;
  let db: TestDatabase;
  let proxy: PgProxy;
  let knex: Knex;
  let server: Server;
  let url = '';
  const logs: string[] = [];
  let browser: Browser;
  let csrf = '';
  let clientSecret = '';
  const PORTAL = 25_300_001;

  beforeAll(async () => {
    emu = await startEmulator({ portalId: PORTAL, companies: 2, contacts: 0 });
    clientSecret = emu.clientSecret;
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = new PgProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.up();
    const dbUrl = proxy.urlFor(db.url);
    knex = createKnex(dbUrl);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      DATABASE_URL: dbUrl, PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'debug', KUSTIQ_ENV: 'development',
      HUBSPOT_API_BASE_URL: emu.url, HUBSPOT_AUTHORIZE_URL: `${emu.url}/oauth/authorize`, HUBSPOT_CLIENT_ID: emu.clientId, HUBSPOT_CLIENT_SECRET: emu.clientSecret,
      KUSTIQ_ENCRYPTION_KEYS: testKey(), KUSTIQ_SESSION_SECRET: randomBytes(32).toString('hex'), KUSTIQ_CREDITS: 'unmetered',
    });
    const log = createLogger('debug', new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } }));
    const services = installServices(config, knex, log);
    const http = createHttpServer({ config, knex, log, install: services });
    server = await new Promise<Server>((resolve) => { const s = http.listen(port, '127.0.0.1', () => resolve(s)); });
    browser = new Browser(url);
    const page = await browser.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await knex?.destroy();
    await proxy?.down();
    await emu?.close();
    await db?.drop();
  });

  /** HubSpot's signed calls: the card's status read (plain node:http) and a webhook delivery (Express). */
  let eventId = 1;
  const signed = (method: 'GET' | 'POST', path: string, body = '') => new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const ts = String(Date.now());
    const req = request({
      host: '127.0.0.1', port: Number(new URL(url).port), method, path,
      headers: { 'x-hubspot-signature-v3': signV3(clientSecret, method, url + path, body, ts), 'x-hubspot-request-timestamp': ts, ...(body ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let d = '';
      res.on('data', (c) => (d += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: d }));
    });
    req.on('error', reject);
    req.end(body);
  });
  const cardRead = () => signed('GET', `/card/v1/record?objectType=companies&objectId=1&userId=9&userEmail=rep%40portal.example&appId=1&portalId=${PORTAL}`);
  const webhook = () => signed('POST', '/hubspot/webhooks', JSON.stringify([{ eventId: eventId++, subscriptionId: 1, portalId: PORTAL, appId: 1, occurredAt: Date.now(), subscriptionType: 'object.creation', attemptNumber: 0, objectId: 1, objectTypeId: '0-2', changeSource: 'CRM_UI' }]));
  const page = (path: string, init?: RequestInit) => browser.request(path, init).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }));

  /** Every kind of request, with its status. */
  const everything = async () => ({
    dashboard: (await page('/integrations')).status,
    api: (await page('/api/connection')).status,
    form: (await page('/sync/run', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` })).status,
    card: (await cardRead()).status,
    webhook: (await webhook()).status,
    health: (await page('/healthz')).status,
  });
  const errorsLogged = () => logs.map((l) => JSON.parse(l) as { level: number; status?: number }).filter((l) => l.level >= 50 || l.status === 500);

  it('answers normally while the database is there', async () => {
    const all = await everything();
    expect(all).toMatchObject({ dashboard: 200, api: 200, card: 200, webhook: 200, health: 200 });
    expect([303, 400]).toContain(all.form); // no job queue in this process: the form names the problem
  });

  it('refused and cut connections: 503 with Retry-After everywhere, JSON or a page; then back to 200 by itself', async () => {
    await proxy.down();
    const dash = await page('/integrations');
    expect(dash.status).toBe(503);
    expect(dash.headers.get('retry-after')).toBe('5');
    expect(dash.headers.get('content-type')).toMatch(/text\/html/);
    expect(dash.body).toContain('Back in a moment');
    expect(dash.body).toContain('<meta http-equiv="refresh" content="5">');
    const api = await page('/api/connection');
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(api.body)).toEqual({ error: { message: 'Kustiq cannot reach its database for a moment. Try again in a few seconds.' } });
    // A form post is not reloaded by itself (it would post again): the page says to send it again.
    const form = await page('/sync/run', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    expect(form.status).toBe(503);
    expect(form.body).not.toContain('http-equiv="refresh"');
    for (const r of [await cardRead(), await webhook()]) {
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(JSON.parse(r.body).error.message).toMatch(/cannot reach its database/);
    }
    const health = await page('/healthz');
    expect([health.status, health.headers.get('retry-after')]).toEqual([503, '5']);
    expect(errorsLogged()).toEqual([]);

    await proxy.up();
    await expect.poll(everything, { timeout: 15_000, interval: 200 }).toMatchObject({ dashboard: 200, api: 200, card: 200, webhook: 200, health: 200 });
    expect(errorsLogged()).toEqual([]);
  });

  it('every backend terminated (pg_terminate_backend, 57P01), again and again under load: 200 or 503, never 500', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const seen = new Set<number>();
    try {
      for (let round = 0; round < 5; round++) {
        const load = Promise.all(Array.from({ length: 8 }, async () => Object.values(await everything()).forEach((s) => seen.add(s))));
        await new Promise((r) => setTimeout(r, 5));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        await load;
      }
    } finally {
      await admin.end();
    }
    for (const s of seen) expect([200, 303, 400, 503], `status ${s}`).toContain(s);
    expect(errorsLogged()).toEqual([]);
    await expect.poll(everything, { timeout: 15_000, interval: 200 }).toMatchObject({ dashboard: 200, api: 200, card: 200, webhook: 200, health: 200 });
  });
});
