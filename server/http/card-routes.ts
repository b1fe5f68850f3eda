import { zodProblems } from '../errors/field-error';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type pg from 'pg';
import { recordStatus, type StatementRunner } from '../card/record-status';
import { verifyV3 } from '../hubspot/signature';
import type { InstallServices } from '../install/services';
import { queueRecordSync, recordSyncView } from '../worker/record-jobs';

/**
 * The CRM card's backend, called through hubspot.fetch. Every request must carry a valid
 * X-HubSpot-Signature-v3 over the URL as called (HubSpot appends portalId, userId,
 * userEmail and appId to the query) and the raw body, made within 5 minutes; the portal
 * is taken only from that signed query, so a user of one portal can never read or resync
 * another portal's record. Any HubSpot user who can see the record may use it (no admin
 * rights needed).
 */
const Signed = z.object({ portalId: z.coerce.number().int().positive() });
const RecordQuery = Signed.extend({
  objectType: z.enum(['companies', 'contacts'], { error: () => 'must be companies or contacts' }),
  objectId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot record id'),
});

export function cardRoutes(s: InstallServices): Router {
  const r = Router();
  const docsBase = `${(s.config.PUBLIC_URL ?? `http://localhost:${s.config.PORT}`).replace(/\/$/, '')}/docs/troubleshooting`;
  const raw = express.raw({ type: '*/*', limit: '64kb' });
  // The status read runs on every record view: a named statement, parsed and planned once per connection.
  const statements: StatementRunner = async (name, text, values) => {
    const conn = await s.knex.client.acquireConnection();
    try {
      return (await (conn as pg.PoolClient).query({ name, text, values })).rows;
    } finally {
      await s.knex.client.releaseConnection(conn);
    }
  };

  // Which connection a portal has changes rarely: cached for a few seconds (a disconnect is seen within them).
  const connections = new Map<number, { at: number; conn: { id: string; status: string } | undefined }>();
  const connectionOf = async (portalId: number) => {
    const hit = connections.get(portalId);
    if (hit && Date.now() - hit.at < 5000) return hit.conn;
    const conn = await s.knex('hubspot_connections').where({ portal_id: String(portalId) }).first('id', 'status');
    if (connections.size > 10_000) connections.clear();
    connections.set(portalId, { at: Date.now(), conn });
    return conn;
  };

  /** The signed portal's connection, or an answer already sent. */
  const authorised = async (req: Request, res: Response): Promise<{ id: string; portalId: number } | null> => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const verdict = verifyV3({
      secret: s.config.HUBSPOT_CLIENT_SECRET ?? '', method: req.method, uri: `${req.protocol}://${req.get('host')}${req.originalUrl}`, rawBody,
      signature: req.get('x-hubspot-signature-v3'), timestamp: req.get('x-hubspot-request-timestamp'),
    });
    if (!verdict.ok) {
      res.status(401).json({ error: { message: verdict.reason === 'stale' ? 'X-HubSpot-Request-Timestamp is older than 5 minutes' : 'X-HubSpot-Signature-v3 does not verify' } });
      return null;
    }
    const signed = Signed.safeParse(req.query);
    if (!signed.success) {
      res.status(400).json({ error: { message: 'portalId missing from the signed query', fields: [{ field: 'portalId', problem: 'is required' }] } });
      return null;
    }
    const conn = await connectionOf(signed.data.portalId);
    if (!conn || conn.status !== 'connected') {
      res.status(409).json({ error: { code: 'ERR_OAUTH_REVOKED', message: 'Kustiq is not connected to this HubSpot portal: reconnect from Settings → Integrations.' } });
      return null;
    }
    return { id: conn.id, portalId: signed.data.portalId };
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

  r.get('/card/v1/record', handle(async (req, res) => {
    const conn = await authorised(req, res);
    const q = conn && parse(RecordQuery, req, res);
    if (!conn || !q) return;
    // Written directly (no ETag hashing of every answer: the card never revalidates).
    res.status(200).type('application/json').end(JSON.stringify(await recordStatus(statements, conn.id, q.objectType, q.objectId, docsBase)));
  }));

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
    const row = id.success ? await s.knex('record_syncs').where({ id: id.data, connection_id: conn.id }).first() : null;
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
