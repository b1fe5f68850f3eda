import { zodProblems } from '../errors/field-error';
import express, { Router } from 'express';
import { z } from 'zod';
import { refusalMessage, verifyV3 } from '../hubspot/signature';
import { calledUri, signedBase } from './called-uri';
import type { InstallServices } from '../install/services';
import { queueEventsRun } from '../worker/event-jobs';

/**
 * HubSpot's webhook deliveries (company created, domain or name changed; contact created,
 * email or job title changed). Verify the v3 signature on the raw body in constant time,
 * refuse anything older than 5 minutes, store the events keyed by eventId (a redelivery
 * is dropped), queue one job, answer: well inside HubSpot's time limit. Kustiq's own
 * writes coming back as events are ignored. The job coalesces events per record into one
 * record sync.
 */
const OBJECT_TYPES: Record<string, 'companies' | 'contacts'> = { '0-1': 'contacts', '0-2': 'companies' };

const Event = z.object({
  eventId: z.coerce.number().int(),
  portalId: z.coerce.number().int(),
  appId: z.coerce.number().int().optional(),
  occurredAt: z.coerce.number().int(),
  subscriptionType: z.string().max(100),
  objectId: z.coerce.number().int(),
  objectTypeId: z.string().max(20).optional(),
  changeSource: z.string().max(50).optional(),
  sourceId: z.string().max(100).optional(),
  propertyName: z.string().max(200).optional(),
}).passthrough();

export function hubspotWebhookRoutes(s: InstallServices): Router {
  const r = Router();
  // What HubSpot signed: PUBLIC_URL + the path and query (the subscription's targetUrl), never the Host header.
  const base = signedBase(s.config);
  r.post('/hubspot/webhooks', express.raw({ type: '*/*', limit: '2mb' }), async (req, res, next) => {
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const verdict = verifyV3({
        secret: s.config.HUBSPOT_CLIENT_SECRET ?? '', method: req.method, uri: calledUri(base, req.originalUrl), rawBody,
        signature: req.get('x-hubspot-signature-v3'), timestamp: req.get('x-hubspot-request-timestamp'),
      });
      if (!verdict.ok) {
        s.log.warn({ reason: verdict.reason }, 'HubSpot webhook refused');
        return void res.status(401).json({ error: { message: refusalMessage(verdict.reason), code: verdict.reason === 'stale' ? 'ERR_WEBHOOK_STALE' : 'ERR_WEBHOOK_SIGNATURE' } });
      }
      let body: unknown;
      try { body = JSON.parse(rawBody); } catch { return void res.status(400).json({ error: { message: 'body is not JSON' } }); }
      const parsed = z.array(Event).max(1000).safeParse(body);
      if (!parsed.success) return void res.status(400).json({ error: { message: 'body is not an array of HubSpot events', fields: zodProblems(parsed.error) } });
      const rows = parsed.data
        // Our own writes, echoed back (changeSource INTEGRATION, sourceId our app): nothing to do.
        .filter((e) => !(e.changeSource === 'INTEGRATION' && e.appId !== undefined && e.sourceId === String(e.appId)))
        .filter((e) => e.objectTypeId && OBJECT_TYPES[e.objectTypeId])
        .map((e) => ({
          event_id: e.eventId, portal_id: e.portalId, object_type: OBJECT_TYPES[e.objectTypeId!]!, object_id: String(e.objectId),
          subscription_type: e.subscriptionType, property_name: e.propertyName ?? null, occurred_at: e.occurredAt, change_source: e.changeSource ?? null,
        }));
      if (rows.length) {
        // Stored first, then the job: a job waiting to start always finds these events committed. The job is
        // queued for redelivered events too: if the first delivery stored them and then failed to queue it, HubSpot's
        // retry is what gets them read (a job that finds nothing left costs one query).
        await s.knex('hubspot_events').insert(rows).onConflict(['portal_id', 'event_id']).ignore();
        if (s.boss) for (const portalId of new Set(rows.map((r) => r.portal_id))) await queueEventsRun(s.boss, portalId);
      }
      res.status(200).json({ received: parsed.data.length, queued: rows.length });
    } catch (err) {
      next(err);
    }
  });
  return r;
}
