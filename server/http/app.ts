import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createServer, type Server } from 'node:http';
import type { Knex } from 'knex';
import { namedStatements, StatusReader } from '../card/status-reader';
import { cardAuthenticator, type CardAuthenticator } from './card-auth';
import { cardStatusEndpoint, isCardStatusRequest } from './card-status-endpoint';
import type { Config } from '../config';
import { dashboardRoutes } from '../dashboard/routes';
import { hubspotWebhookRoutes } from './hubspot-webhooks';
import { cardRoutes } from './card-routes';
import type { InstallServices } from '../install/services';
import type { Logger } from '../log';
import { answerFor, jsonBody, RETRY_AFTER_SECONDS, wantsJson } from './errors';
import { securityHeaders } from './security-headers';
import { unavailablePage, errorPage } from '../dashboard/pages';

export interface AppDeps {
  config: Config;
  knex: Knex;
  log: Logger;
  /** OAuth install, dashboard and API; absent when HubSpot credentials are not configured. */
  install?: InstallServices;
}

/**
 * The backend's HTTP server: the card's status read (the busiest request by far, one per
 * record view in HubSpot) on plain node:http, everything else through Express. Listen on
 * it as on an Express app: `createHttpServer(deps).listen(port, host, cb)`.
 */
export function createHttpServer(deps: AppDeps): Server {
  const headers = securityHeaders(deps.config);
  if (!deps.install) return createServer(createHttpApp(deps, null, headers));
  const s = deps.install;
  // One authenticator (and its connection cache) for all card endpoints.
  const authenticate = cardAuthenticator(s);
  const docsBase = `${(s.config.PUBLIC_URL ?? `http://localhost:${s.config.PORT}`).replace(/\/$/, '')}/docs/troubleshooting`;
  const cardStatus = cardStatusEndpoint({ authenticate, reader: new StatusReader(namedStatements(s.knex)), docsBase, log: deps.log, headers });
  const app = createHttpApp(deps, authenticate, headers);
  return createServer((req, res) => {
    if (isCardStatusRequest(req)) void cardStatus(req, res);
    else app(req, res);
  });
}

/** The Express app: routes added per capability (install, dashboard, card, webhooks). */
function createHttpApp(deps: AppDeps, authenticate: CardAuthenticator | null, headers: Readonly<Record<string, string>>): Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip: the address the nearest untrusted hop gave. Only a proxy on this machine or a
  // private network (the reverse proxy in front of Kustiq) is believed about X-Forwarded-For,
  // and only its right-most entries: a client cannot choose its address by sending the header
  // (the rate limit on /oauth/install counts by it).
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const names = Object.keys(headers);
  app.use((_req, res, next) => {
    for (const n of names) res.setHeader(n, headers[n]!);
    next();
  });
  app.get('/healthz', async (_req, res) => {
    try {
      await deps.knex.raw('select 1');
      res.json({ ok: true, database: 'up' });
    } catch {
      res.status(503).set('retry-after', String(RETRY_AFTER_SECONDS)).json({ ok: false, database: 'down' });
    }
  });
  if (deps.install && authenticate) {
    app.use(hubspotWebhookRoutes(deps.install));
    app.use(cardRoutes(deps.install, authenticate));
    app.use(dashboardRoutes(deps.install));
  }
  app.use((_req, res) => void res.status(404).json({ error: { message: 'Not found' } }));
  // Never echo internals: the message may hold upstream text; log it, answer generically (errors.ts).
  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    const a = answerFor(err, req.path);
    deps.log[a.level]({ err: { name: err.name, message: err.message }, path: req.path, status: a.status }, a.status >= 500 ? 'request failed' : 'request refused');
    if (res.headersSent) return void res.end();
    if (a.retryAfter) res.set('retry-after', String(a.retryAfter));
    res.status(a.status);
    if (wantsJson(req.path, req.get('accept'))) return void res.json(jsonBody(a));
    res.type('html').send(a.status === 503 ? unavailablePage(req.method === 'GET', a.retryAfter!) : errorPage(a.status >= 500 ? 'Something went wrong' : 'Request refused', a.message, null));
  });
  return app;
}
