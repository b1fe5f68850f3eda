import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
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

/** The backend's HTTP surface. Routes are added per capability (install, dashboard, card, webhooks). */
export function createHttpApp(deps: AppDeps): Express {
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
  if (deps.install) {
    app.use(hubspotWebhookRoutes(deps.install));
    app.use(cardRoutes(deps.install));
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
