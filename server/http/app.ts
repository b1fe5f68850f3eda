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
  if (!deps.install) return createServer(createHttpApp(deps, null));
  const s = deps.install;
  // One authenticator (and its connection cache) for all card endpoints.
  const authenticate = cardAuthenticator(s);
  const docsBase = `${(s.config.PUBLIC_URL ?? `http://localhost:${s.config.PORT}`).replace(/\/$/, '')}/docs/troubleshooting`;
  const cardStatus = cardStatusEndpoint({ authenticate, reader: new StatusReader(namedStatements(s.knex)), docsBase, log: deps.log });
  const app = createHttpApp(deps, authenticate);
  return createServer((req, res) => {
    if (isCardStatusRequest(req)) void cardStatus(req, res);
    else app(req, res);
  });
}

/** The Express app: routes added per capability (install, dashboard, card, webhooks). */
function createHttpApp(deps: AppDeps, authenticate: CardAuthenticator | null): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.get('/healthz', async (_req, res) => {
    try {
      await deps.knex.raw('select 1');
      res.json({ ok: true, database: 'up' });
    } catch {
      res.status(503).json({ ok: false, database: 'down' });
    }
  });
  if (deps.install && authenticate) {
    app.use(hubspotWebhookRoutes(deps.install));
    app.use(cardRoutes(deps.install, authenticate));
    app.use(dashboardRoutes(deps.install));
  }
  app.use((_req, res) => void res.status(404).json({ error: { message: 'Not found' } }));
  // Never echo internals: the message may hold upstream text; log it, answer generically.
  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    deps.log.error({ err: { name: err.name, message: err.message }, path: req.path }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: { message: 'Something went wrong on our side. It was logged; try again shortly.' } });
  });
  return app;
}
