import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { signV3 } from '../../server/hubspot/signature';
import { useBackend } from '../support/backend';

/**
 * The URL a v3 signature is checked over is PUBLIC_URL + the request's path and query,
 * never the Host header or X-Forwarded-*: HubSpot signs the URL it called (the card's
 * origin, the webhooks' targetUrl), and behind a reverse proxy the request arrives with
 * Host 127.0.0.1:PORT. Here PUBLIC_URL has a path prefix and a trailing slash (the proxy
 * strips the prefix), and every request reaches the backend with some other Host.
 */
describe('HubSpot v3 signatures are checked over PUBLIC_URL', () => {
  const PUBLIC_URL = 'https://app.kustiq.test/kustiq/';
  const SIGNED_BASE = 'https://app.kustiq.test/kustiq';
  const fx = useBackend({ companies: 1, contacts: 0 }, { PUBLIC_URL });

  beforeAll(async () => {
    // A connected portal, straight in the database: verification is what is tested, not the install.
    const [ws] = await fx.db.knex('workspaces').insert({ name: 'Signed' }).returning('id');
    await fx.db.knex('hubspot_connections').insert({ workspace_id: ws.id, portal_id: String(fx.emu.portalId), status: 'connected', connected_at: new Date() });
  });

  let eventId = 770000;
  /** HubSpot's three kinds of signed call: the card's status read (plain node:http), a card route (Express), a webhook delivery. */
  const calls = {
    'the card\'s status read': () => ({ method: 'GET', path: `/card/v1/record?objectType=companies&objectId=1&userId=9&userEmail=rep%40portal.example&appId=1&portalId=${fx.emu.portalId}`, body: '' }),
    'the card\'s settings route': () => ({ method: 'GET', path: `/card/v1/settings?userId=9&userEmail=rep%40portal.example&appId=1&portalId=${fx.emu.portalId}`, body: '' }),
    'a HubSpot webhook delivery': () => ({
      method: 'POST', path: '/hubspot/webhooks',
      body: JSON.stringify([{ eventId: ++eventId, subscriptionId: 1, portalId: fx.emu.portalId, appId: 1, occurredAt: Date.now(), subscriptionType: 'object.creation', attemptNumber: 0, objectId: 1, objectTypeId: '0-2', changeSource: 'CRM_UI' }]),
    }),
  };
  type Kind = keyof typeof calls;

  /** Sent to the backend's socket with the headers given (node:http lets the Host be anything), signed over `signedBase` + the path. */
  const send = (kind: Kind, signedBase: string, headers: Record<string, string> = {}) => {
    const { method, path, body } = calls[kind]();
    const ts = String(Date.now());
    const signature = signV3(fx.emu.clientSecret, method, signedBase + path, body, ts);
    return new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: Number(new URL(fx.url).port), method, path,
        headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
      }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : {} }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const KINDS = Object.keys(calls) as Kind[];

  it.each(KINDS)('%s signed over PUBLIC_URL (prefix kept, trailing slash not) is verified though it arrives with Host 127.0.0.1:PORT, as behind a reverse proxy', async (kind) => {
    const res = await send(kind, SIGNED_BASE);
    expect(res.status).toBe(200);
  });

  it.each(KINDS)('%s signed over the Host it arrived with (http://127.0.0.1:PORT) is refused', async (kind) => {
    const res = await send(kind, fx.url);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('X-HubSpot-Signature-v3 does not verify');
  });

  it.each(KINDS)('%s: a forged Host and X-Forwarded-Proto cannot choose what is verified', async (kind) => {
    const forged = { host: 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' };
    expect((await send(kind, 'https://evil.example', forged)).status).toBe(401);
    // The same request signed over PUBLIC_URL is accepted whatever Host it carries.
    expect((await send(kind, SIGNED_BASE, forged)).status).toBe(200);
  });

  it('what is verified is what each endpoint answers for: the signed portal\'s record and settings', async () => {
    expect((await send('the card\'s status read', SIGNED_BASE)).body).toMatchObject({ objectType: 'companies', objectId: '1', status: 'not_synced' });
    expect((await send('the card\'s settings route', SIGNED_BASE)).body).toMatchObject({ connection: { status: 'connected', portalId: fx.emu.portalId }, dashboardUrl: `${SIGNED_BASE}/sync` });
    expect((await send('a HubSpot webhook delivery', SIGNED_BASE)).body).toEqual({ received: 1, queued: 1 });
  });
});
