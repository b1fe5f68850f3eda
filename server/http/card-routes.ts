import { zodProblems } from '../errors/field-error';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { CardAuthenticator } from './card-auth';
import { RecordQuery } from './card-status-endpoint';
import type { InstallServices } from '../install/services';
import { queueRecordSync, recordSyncView } from '../worker/record-jobs';

/**
 * The CRM card's backend, called through hubspot.fetch: Sync now, its progress, and the
 * settings page. The status read (GET /card/v1/record) is card-status-endpoint.ts, served
 * ahead of Express. Every request is authenticated by card-auth.ts (v3 signature, portal
 * from the signed query).
 */
export function cardRoutes(s: InstallServices, authenticate: CardAuthenticator): Router {
  const r = Router();
  const raw = express.raw({ type: '*/*', limit: '64kb' });

  /** The signed portal's connection, or an answer already sent. */
  const authorised = async (req: Request, res: Response): Promise<{ id: string; portalId: number } | null> => {
    const caller = await authenticate({
      method: req.method, path: req.originalUrl, rawBody: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '', query: req.query,
      signature: req.get('x-hubspot-signature-v3'), timestamp: req.get('x-hubspot-request-timestamp'),
    });
    if (!caller.ok) {
      res.status(caller.status).json(caller.body);
      return null;
    }
    return { id: caller.connectionId, portalId: caller.portalId };
  };
  const parse = <T extends z.ZodTypeAny>(schema: T, req: Request, res: Response): z.infer<T> | null => {
    const p = schema.safeParse(req.query);
    if (p.success) return p.data;
    res.status(400).json({ error: { message: 'Invalid query', fields: zodProblems(p.error) } });
    return null;
  };
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response, next: (e: unknown) => void) => {
    try { await fn(req, res); } catch (err) { next(err); }
  };

  r.post('/card/v1/record/sync', raw, handle(async (req, res) => {
    const conn = await authorised(req, res);
    const q = conn && parse(RecordQuery, req, res);
    if (!conn || !q) return;
    if (!s.boss) return void res.status(503).json({ error: { message: 'no job queue in this process: run a worker' } });
    res.status(202).json({ sync: await queueRecordSync(s.knex, s.boss, conn.id, conn.portalId, q.objectType, q.objectId) });
  }));

  r.get('/card/v1/record-syncs/:id', handle(async (req, res) => {
    const conn = await authorised(req, res);
    if (!conn) return;
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) return void res.status(404).json({ error: { message: 'No such sync for this portal', fields: [{ field: 'id', problem: 'is not a sync id' }] } });
    const row = await s.knex('record_syncs').where({ id: id.data, connection_id: conn.id }).first();
    if (!row) return void res.status(404).json({ error: { message: 'No such sync for this portal' } });
    res.json({ sync: recordSyncView(row) });
  }));

  // The app's settings page in HubSpot: the connection at a glance, and the way to the dashboard.
  r.get('/card/v1/settings', handle(async (req, res) => {
    const conn = await authorised(req, res);
    if (!conn) return;
    const c = await s.knex('hubspot_connections').where({ id: conn.id }).first('status', 'portal_id', 'hub_domain', 'last_sync_at', 'connected_at', 'scopes');
    const review = Number((await s.knex('company_matches').where({ connection_id: conn.id, status: 'review' }).count<{ n: string }[]>('* as n'))[0]!.n);
    res.json({
      connection: { status: c.status, portalId: Number(c.portal_id), hubDomain: c.hub_domain ?? null, connectedAt: c.connected_at ?? null, scopes: c.scopes },
      lastSyncAt: c.last_sync_at ?? null, reviewQueue: review,
      dashboardUrl: `${(s.config.PUBLIC_URL ?? '').replace(/\/$/, '')}/sync`, reviewUrl: `${(s.config.PUBLIC_URL ?? '').replace(/\/$/, '')}/review`,
    });
  }));
  return r;
}
