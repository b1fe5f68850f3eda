import { registerAllJobs } from '../../worker/all-jobs';
import type { Server } from 'node:http';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { createHttpServer } from '../../http/app';
import { createLogger } from '../../log';
import { installServices } from '../../install/services';
import { startJobSender, startWorker, type Worker } from '../../worker/worker';
import { untilSignal } from '../output';

/** `start` (web + worker), `web` and `worker`: the production entry points. */
async function run(parts: { web: boolean; worker: boolean }, port?: number): Promise<void> {
  // Listening from the start: a SIGTERM while starting up is a graceful shutdown once started, never a kill.
  const stopRequested = untilSignal();
  // Production unless KUSTIQ_ENV=development: DATABASE_URL and an https PUBLIC_URL are
  // required too, and every missing variable is named in one message (exit 1).
  const config = loadConfig(
    process.env,
    ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'KUSTIQ_ENCRYPTION_KEYS', ...(parts.web ? (['KUSTIQ_SESSION_SECRET'] as const) : [])],
    { deployment: true },
  );
  const log = createLogger(config.LOG_LEVEL);
  const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
  let server: Server | undefined;
  let worker: Worker | undefined;
  try {
    const install = installServices(config, db.knex, log);
    if (parts.worker) {
      worker = await startWorker(db.url, log, { maintenanceSeconds: config.KUSTIQ_JOB_MAINTENANCE_SECONDS });
      await registerAllJobs(worker, install);
    } else worker = await startJobSender(db.url, log);
    install.boss = worker.boss;
    if (parts.web) {
      const http = createHttpServer({ config, knex: db.knex, log, install });
      const listenPort = port ?? config.PORT;
      server = await new Promise<Server>((resolve, reject) => {
        const s = http.listen(listenPort, () => resolve(s));
        s.once('error', reject);
      });
      log.info({ port: listenPort }, 'web listening');
    }
    const sig = await stopRequested;
    log.info({ signal: sig }, 'shutting down');
  } finally {
    if (server) await new Promise((r) => server!.close(() => r(undefined)));
    await worker?.stop();
    await db.close();
  }
}

export function registerServe(program: Command): void {
  const portOpt = (raw: string) => Number(raw);
  program.command('start').description('web and worker in one process (production entry)')
    .option('--port <port>', 'HTTP port (default: PORT)', portOpt)
    .action(async (o) => run({ web: true, worker: true }, o.port));
  program.command('web').description('the HTTP backend alone')
    .option('--port <port>', 'HTTP port (default: PORT)', portOpt)
    .action(async (o) => run({ web: true, worker: false }, o.port));
  program.command('worker').description('a background worker (pg-boss); run as many as you like')
    .action(async () => run({ web: false, worker: true }));
}
