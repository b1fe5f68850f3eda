import PgBoss from 'pg-boss';
import type { Logger } from '../log';

/**
 * Background work runs on pg-boss in the same Postgres: start more `kustiq worker`
 * processes to scale out. Queues and schedules are registered by each capability.
 */
export interface Worker {
  boss: PgBoss;
  stop: () => Promise<void>;
  /** Runs before the queue stops (loops of our own that fetch from it, like the webhook dispatcher). */
  onStop?: (fn: () => Promise<void>) => void;
}

export async function startWorker(databaseUrl: string, log: Logger, opts: { maintenanceSeconds?: number } = {}): Promise<Worker> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 5, maintenanceIntervalSeconds: opts.maintenanceSeconds ?? 30 });
  boss.on('error', (err) => log.error({ err: { message: err.message } }, 'pg-boss error'));
  await boss.start();
  log.info('worker started');
  const hooks: (() => Promise<void>)[] = [];
  return {
    boss,
    onStop: (fn) => void hooks.push(fn),
    stop: async () => {
      for (const fn of hooks) await fn();
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

/**
 * A web process that only queues work (`kustiq web` alone): pg-boss without maintenance
 * or schedules, which the workers run.
 */
export async function startJobSender(databaseUrl: string, log: Logger): Promise<Worker> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 2, supervise: false, schedule: false });
  boss.on('error', (err) => log.error({ err: { message: err.message } }, 'pg-boss error'));
  await boss.start();
  return { boss, stop: async () => { await boss.stop({ graceful: true, timeout: 5_000 }); } };
}
