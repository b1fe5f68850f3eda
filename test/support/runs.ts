import type { Knex } from 'knex';

/** Waits until a sync run ends (succeeded, failed or waiting) and returns its row. */
export async function waitForRun(knex: Knex, runId: string, timeoutMs = 120_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await knex('sync_runs').where({ id: runId }).first();
    if (['succeeded', 'failed', 'waiting'].includes(run.status)) return run;
    if (Date.now() > until) throw new Error(`sync run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
