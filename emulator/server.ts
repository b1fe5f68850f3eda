import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { apiGate } from './api-gate';
import type { EmulatorContext } from './context';
import { CrmService } from './crm';
import { errors, sendError } from './errors';
import { RequestLog } from './request-log';
import { accountRoutes } from './routes/account';
import { adminRoutes } from './routes/admin';
import { associationRoutes } from './routes/associations';
import { listRoutes } from './routes/lists';
import { oauthRoutes } from './routes/oauth';
import { objectRoutes } from './routes/objects';
import { propertyRoutes } from './routes/properties';
import { seedPortal } from './seed';
import { EmulatorState, type EmulatorSettings } from './state';
import { fastPath } from './fast-path';
import { subscriptionsFromHsmeta, WebhookDispatcher } from './webhooks';

export const WEBHOOKS_HSMETA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/app/webhooks/webhooks-hsmeta.json');
export const APP_HSMETA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/app/app-hsmeta.json');

export interface EmulatorOptions {
  port?: number;
  host?: string;
  companies?: number;
  contacts?: number;
  seed?: number;
  portalId?: number;
  timeZone?: string;
  dataHostingLocation?: string;
  clientId?: string;
  clientSecret?: string;
  appId?: number;
  /** Where HubSpot webhook batches go (the backend's /hubspot/webhooks). */
  webhookTargetUrl?: string;
  settings?: Partial<EmulatorSettings>;
}

export interface RunningEmulator {
  url: string;
  portalId: number;
  clientId: string;
  clientSecret: string;
  appId: number;
  state: EmulatorState;
  ctx: EmulatorContext;
  log: RequestLog;
  server: http.Server;
  close: () => Promise<void>;
}

export function createEmulatorApp(state: EmulatorState) {
  const webhooks = new WebhookDispatcher(state);
  const crm = new CrmService(state, webhooks.onChange);
  const ctx: EmulatorContext = { state, crm, webhooks };
  const log = new RequestLog(() => state.settings.requestLogLimit);
  const gate = apiGate(ctx);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'extended');
  app.use(log.middleware);
  app.use('/_emulator', adminRoutes(ctx, log, gate.reset));
  app.use(oauthRoutes(ctx));
  app.use(gate.middleware);
  for (const base of ['/crm/v3/objects', '/crm/objects/2026-03']) app.use(base, objectRoutes(ctx));
  for (const base of ['/crm/v3/properties', '/crm/properties/2026-03']) app.use(base, propertyRoutes(ctx));
  app.use(associationRoutes(ctx));
  app.use(listRoutes(ctx));
  app.use(accountRoutes(ctx));
  app.use((req: Request, res: Response) => {
    sendError(res, errors.notFound(`No route for ${req.method} ${req.path} in the local HubSpot`));
  });
  app.use((err: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') return sendError(res, errors.validation(`Invalid input JSON on line 1: ${err.message}`));
    if (err.type === 'entity.too.large') return sendError(res, errors.validation('Request body too large'));
    // A bug in the emulator must be loud, not look like HubSpot.
    console.error('[emulator] unhandled error', err);
    sendError(res, errors.serverError(500));
  });
  const fast = fastPath(ctx, gate, log);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!fast(req, res)) app(req, res);
  };
  return { app, handler, ctx, log };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = new EmulatorState();
  if (opts.settings) state.settings = { ...state.settings, ...opts.settings };
  const portal = state.createPortal({ portalId: opts.portalId, timeZone: opts.timeZone, dataHostingLocation: opts.dataHostingLocation });
  const clientId = opts.clientId ?? `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`;
  const clientSecret = opts.clientSecret ?? randomBytes(18).toString('hex');
  const appId = opts.appId ?? 3_000_001;
  const hsmeta = subscriptionsFromHsmeta(JSON.parse(fs.readFileSync(WEBHOOKS_HSMETA, 'utf8')));
  const auth = (JSON.parse(fs.readFileSync(APP_HSMETA, 'utf8')) as { config: { auth: { requiredScopes: string[]; optionalScopes?: string[] } } }).config.auth;
  state.registerApp({
    appId, clientId, clientSecret, subscriptions: hsmeta.subscriptions, webhookTargetUrl: opts.webhookTargetUrl ?? null,
    scopes: { required: auth.requiredScopes, optional: auth.optionalScopes ?? [] },
  });
  const { handler, ctx, log } = createEmulatorApp(state);
  if (opts.companies || opts.contacts) seedPortal(portal, ctx.crm, { companies: opts.companies ?? 0, contacts: opts.contacts ?? 0, seed: opts.seed });
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${opts.host ?? '127.0.0.1'}:${addr.port}`;
  return {
    url, portalId: portal.portalId, clientId, clientSecret, appId, state, ctx, log, server,
    close: async () => {
      ctx.webhooks.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
