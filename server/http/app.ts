import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Logger } from '../log';

export interface AppDeps {
  config: Config;
  knex: Knex;
  log: Logger;
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
  return app;
}
