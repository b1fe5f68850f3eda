import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { FieldError, zodProblems } from '../errors/field-error';
import type { InstallServices } from '../install/services';
import { deleteEndpoint, listEndpoints, saveEndpoint } from '../webhooks/endpoints';
import { deliveryDetail, RateLimited, recentDeliveries, redeliver, sendTestEvent } from '../webhooks/webhook-admin';
import { rotateSecret, secretView } from '../webhooks/webhook-secrets';
import { deliveryPage, webhooksPage } from './webhooks-page';

/** The Webhooks page (forms) and its JSON API, on the session's workspace. */
export interface RouteHelpers {
  form: express.RequestHandler;
  requireSession: (req: Request, res: Response) => { workspaceId: string; userId: string; email: string; csrf: string } | null | undefined;
  checkCsrf: (req: Request, res: Response) => boolean;
  jsonApi: (fn: (workspaceId: string, userId: string, body: unknown, req: Request) => Promise<unknown>) => (req: Request, res: Response, next: (e: unknown) => void) => Promise<void>;
}

export function registerWebhookRoutes(r: Router, s: InstallServices, h: RouteHelpers): void {
  const allowPrivate = s.config.KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS;
  const state = async (workspaceId: string) => ({
    secret: await secretView(s.knex, s.keyring, workspaceId), endpoints: await listEndpoints(s.knex, workspaceId), deliveries: await recentDeliveries(s.knex, workspaceId),
  });
  const problemText = (err: unknown): string | null => {
    if (err instanceof FieldError || err instanceof RateLimited) return `${err.field}: ${err.message}`;
    if (err instanceof z.ZodError) return zodProblems(err).map((p) => `${p.field}: ${p.problem}`).join('; ');
    return null;
  };
  // A form post: do it, then show the page (with the one-time secret, or the problem).
  const page = (fn: (req: Request, workspaceId: string) => Promise<{ revealed?: string; notice?: string } | void>) => async (req: Request, res: Response, next: (e: unknown) => void) => {
    try {
      const sess = h.requireSession(req, res);
      if (!sess || (req.method === 'POST' && !h.checkCsrf(req, res))) return;
      let extra: { revealed?: string; notice?: string; error?: string } = {};
      try {
        extra = (await fn(req, sess.workspaceId)) ?? {};
      } catch (err) {
        const text = problemText(err);
        if (!text) throw err;
        extra = { error: text };
        if (err instanceof RateLimited) res.status(429).set('retry-after', String(err.retryAfterSeconds));
        else res.status(400);
      }
      // A revealed secret must not be cached or re-shown by a reload.
      res.set('cache-control', 'no-store').type('html').send(webhooksPage(sess, { ...(await state(sess.workspaceId)), ...extra }));
    } catch (err) {
      next(err);
    }
  };
  r.get('/webhooks', page(async () => undefined));
  r.post('/webhooks/secret', h.form, page(async (_req, ws) => ({ revealed: (await rotateSecret(s.knex, s.keyring, ws)).secret })));
  r.post('/webhooks/endpoints', h.form, page(async (req, ws) => {
    const b = req.body as Record<string, string | string[]>;
    const types = b.eventTypes === undefined ? [] : Array.isArray(b.eventTypes) ? b.eventTypes : [b.eventTypes];
    const e = await saveEndpoint(s.knex, ws, { url: b.url, eventTypes: types, maxConcurrency: b.maxConcurrency ? Number(b.maxConcurrency) : undefined }, { allowPrivate });
    // The first endpoint needs a secret: made now and shown this once.
    if (!(await secretView(s.knex, s.keyring, ws)).exists) return { revealed: (await rotateSecret(s.knex, s.keyring, ws)).secret, notice: `Endpoint ${e.url} added.` };
    return { notice: `Endpoint ${e.url} added.` };
  }));
  r.post('/webhooks/endpoints/:id/delete', h.form, page(async (req, ws) => {
    if (!(await deleteEndpoint(s.knex, ws, String(req.params.id)))) throw new FieldError('id', 'no such endpoint');
    return { notice: 'Endpoint deleted.' };
  }));
  r.post('/webhooks/test', h.form, page(async (_req, ws) => {
    const t = await sendTestEvent(s.knex, s.boss, ws);
    return { notice: `Test event ${t.eventId} queued for ${t.deliveries} endpoint(s).` };
  }));
  r.post('/webhooks/deliveries/:id/redeliver', h.form, page(async (req, ws) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw new FieldError('deliveryId', 'is not a delivery id');
    await redeliver(s.knex, s.boss, ws, id.data);
    return { notice: 'Redelivery queued.' };
  }));
  r.get('/webhooks/deliveries/:id', async (req, res, next) => {
    try {
      const sess = h.requireSession(req, res);
      if (!sess) return;
      const id = z.uuid().safeParse(req.params.id);
      const d = id.success ? await deliveryDetail(s.knex, sess.workspaceId, id.data) : null;
      if (!d) return void res.status(404).type('html').send(webhooksPage(sess, { ...(await state(sess.workspaceId)), error: 'No such delivery in this workspace.' }));
      res.type('html').send(deliveryPage(sess, d, (await secretView(s.knex, s.keyring, sess.workspaceId)).hint));
    } catch (err) {
      next(err);
    }
  });

  // JSON API: the same, for scripts.
  const json = express.json({ limit: '16kb' });
  r.get('/api/webhooks', h.jsonApi(async (ws) => state(ws)));
  r.post('/api/webhooks/endpoints', json, h.jsonApi(async (ws, _u, body) => ({ endpoint: await saveEndpoint(s.knex, ws, body, { allowPrivate }) })));
  const idOf = (req: Request, field: string): string => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw new FieldError(field, 'is not an id');
    return id.data;
  };
  r.put('/api/webhooks/endpoints/:id', json, h.jsonApi(async (ws, _u, body, req) => ({ endpoint: await saveEndpoint(s.knex, ws, body, { allowPrivate, id: idOf(req, 'id') }) })));
  r.delete('/api/webhooks/endpoints/:id', h.jsonApi(async (ws, _u, _b, req) => {
    if (!(await deleteEndpoint(s.knex, ws, idOf(req, 'id')))) throw new FieldError('id', 'no such endpoint');
    return { deleted: true };
  }));
  r.post('/api/webhooks/secret', json, h.jsonApi(async (ws) => {
    const rotated = await rotateSecret(s.knex, s.keyring, ws);
    return { secret: rotated.secret, previousValidUntil: rotated.previousUntil };
  }));
  // A limit reached is 429 with Retry-After (jsonApi answers the other errors it knows, and passes this one on).
  const limited = (handler: ReturnType<RouteHelpers['jsonApi']>) => (req: Request, res: Response, next: (e: unknown) => void) => handler(req, res, (err) => {
    if (!(err instanceof RateLimited)) return next(err);
    res.status(429).set('retry-after', String(err.retryAfterSeconds))
      .json({ error: { message: err.message, fields: [{ field: err.field, problem: err.message }], retryAfterSeconds: err.retryAfterSeconds } });
  });
  r.post('/api/webhooks/test', json, limited(h.jsonApi(async (ws) => sendTestEvent(s.knex, s.boss, ws))));
  r.get('/api/webhooks/deliveries/:id', h.jsonApi(async (ws, _u, _b, req) => {
    const d = await deliveryDetail(s.knex, ws, idOf(req, 'deliveryId'));
    if (!d) throw new FieldError('deliveryId', 'no such delivery in this workspace');
    return { delivery: d };
  }));
  r.post('/api/webhooks/deliveries/:id/redeliver', json, h.jsonApi(async (ws, _u, _b, req) => ({ delivery: await redeliver(s.knex, s.boss, ws, idOf(req, 'deliveryId')) })));
}
