import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Signature } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator';

interface Received { body: string; headers: http.IncomingHttpHeaders; url: string }

describe('HubSpot webhooks from the local HubSpot', () => {
  const received: Received[] = [];
  let failNext = 0;
  let receiver: http.Server;
  let targetUrl = '';
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, headers: req.headers, url: req.url ?? '' });
        if (failNext > 0) { failNext--; res.statusCode = 503; }
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    targetUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hubspot/webhooks`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  const fx = useEmulator({ companies: 5, settings: { webhooks: { retryDelaysMs: [50, 50], batchWindowMs: 20, timeoutMs: 2000 } } });

  const eventCount = () => received.reduce((n, r) => n + JSON.parse(r.body).length, 0);
  async function settle(n: number, count: () => number = () => received.length) {
    for (let i = 0; i < 200 && count() < n; i++) await new Promise((r) => setTimeout(r, 25));
  }

  it('sends subscribed changes as signed, HubSpot-shaped batches', async () => {
    await fx.admin.call('PATCH', `/apps/${fx.emu.clientId}`, { webhookTargetUrl: targetUrl });
    received.length = 0;
    const created = await fx.admin.call<{ id: string }>('POST', `/portals/${fx.emu.portalId}/objects/companies`, { properties: { name: 'Webhook Labs', domain: 'webhook-labs.io' } });
    await settle(1);
    expect(received).toHaveLength(1);
    const { body, headers } = received[0]!;
    const events = JSON.parse(body);
    expect(events.map((e: any) => [e.subscriptionType, e.propertyName ?? null])).toEqual([
      ['object.creation', null], ['object.propertyChange', 'name'], ['object.propertyChange', 'domain'],
    ]);
    expect(events[0]).toMatchObject({ portalId: fx.emu.portalId, appId: fx.emu.appId, objectId: Number(created.id), objectTypeId: '0-2', changeSource: 'CRM_UI', attemptNumber: 0 });
    // The official client's helper agrees with the signature.
    const ok = Signature.isValid({
      signatureVersion: 'v3', signature: String(headers['x-hubspot-signature-v3']), clientSecret: fx.emu.clientSecret,
      requestBody: body, url: targetUrl, method: 'POST', timestamp: Number(headers['x-hubspot-request-timestamp']),
    });
    expect(ok).toBe(true);
  });

  it('fires nothing for properties without a subscription, and marks the app\u2019s own writes', async () => {
    received.length = 0;
    await fx.api('PATCH', '/crm/v3/objects/companies/1000001', { properties: { city: 'Nowhere' } });
    await fx.api('PATCH', '/crm/v3/objects/companies/1000001', { properties: { domain: 'walmart.example' } });
    await settle(1);
    expect(received).toHaveLength(1);
    const events = JSON.parse(received[0]!.body);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ propertyName: 'domain', propertyValue: 'walmart.example', changeSource: 'INTEGRATION', sourceId: String(fx.emu.appId) });
  });

  it('batches at most 100 events a POST', async () => {
    received.length = 0;
    for (let i = 0; i < 150; i++) await fx.admin.call('POST', `/portals/${fx.emu.portalId}/objects/contacts`, { properties: { firstname: `C${i}` } });
    await settle(150, eventCount);
    const sizes = received.map((r) => JSON.parse(r.body).length);
    expect(sizes.every((n) => n <= 100)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(150);
  });

  it('retries a 5xx with a higher attemptNumber', async () => {
    received.length = 0;
    failNext = 1;
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/objects/companies`, { properties: { name: 'Retry Oy' } });
    await settle(2);
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[0]!.body)[0].attemptNumber).toBe(0);
    expect(JSON.parse(received[1]!.body)[0].attemptNumber).toBe(1);
    expect(received[1]!.body).not.toBe(received[0]!.body);
  });
});
