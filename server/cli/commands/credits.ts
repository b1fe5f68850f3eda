import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { creditStatus, grantCredits, waitingForCredits } from '../../credits/credit-ledger';
import { PLANS, type Plan } from '../../credits/plans';
import { openDatabase } from '../../db/database';
import { createLogger } from '../../log';
import { emit, intOption, UsageError } from '../output';

/**
 * `kustiq credits --portal ID [--plan free|insight|pro] [--grant N --reason TEXT [--until DATE]]`:
 * an operator's view of a workspace's credits (plan, used this period, when they return,
 * companies waiting), and the two changes billing makes: the plan, and extra credits.
 * Waiting companies go out on the portal's next run (nightly, or `kustiq sync`).
 */
export function registerCredits(program: Command): void {
  program
    .command('credits')
    .description("show a portal's workspace credits; change its plan or grant credits")
    .requiredOption('--portal <id>', 'HubSpot portal (hub) id', intOption('portal', 1))
    .option('--plan <plan>', 'set the plan: free, insight or pro')
    .option('--grant <n>', 'add N credits to every period until --until (or for good)', intOption('grant', 1, 10_000_000))
    .option('--reason <text>', 'why the credits are granted (required with --grant)')
    .option('--until <date>', 'the grant ends at this date (YYYY-MM-DD, UTC)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      if (opts.plan !== undefined && !(opts.plan in PLANS)) throw new UsageError(`--plan must be free, insight or pro, not "${opts.plan}"`);
      if (opts.grant !== undefined && !opts.reason) throw new UsageError('--grant needs --reason');
      const until = opts.until === undefined ? null : new Date(`${opts.until}T00:00:00Z`);
      if (until && (!/^\d{4}-\d{2}-\d{2}$/.test(opts.until) || Number.isNaN(until.getTime()))) throw new UsageError(`--until must be a date YYYY-MM-DD, not "${opts.until}"`);
      const config = loadConfig(process.env);
      const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
      const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
      try {
        const conn = await db.knex('hubspot_connections').where({ portal_id: String(opts.portal) }).first();
        if (!conn) throw new Error(`no HubSpot connection for portal ${opts.portal}`);
        if (opts.plan) await db.knex('workspaces').where({ id: conn.workspace_id }).update({ plan: opts.plan as Plan, updated_at: db.knex.fn.now() });
        if (opts.grant) await grantCredits(db.knex, { workspaceId: conn.workspace_id, credits: opts.grant, reason: opts.reason, validUntil: until });
        const st = await creditStatus(db.knex, conn.workspace_id, new Date(), config.KUSTIQ_CREDITS === 'metered');
        const waiting = await waitingForCredits(db.knex, conn.id);
        const out = { portalId: opts.portal, plan: st.plan, allowance: st.allowance, used: st.used, remaining: st.remaining, periodStart: st.period.start.toISOString(), periodEnd: st.period.end.toISOString(), waiting, metered: st.metered };
        emit(!!opts.json, out, () => [
          `Portal ${opts.portal}: ${PLANS[st.plan].label} plan (${st.text}${st.allowance > PLANS[st.plan].credits ? ` + ${st.allowance - PLANS[st.plan].credits} granted` : ''})${st.metered ? '' : ' — unmetered deployment'}`,
          `  used ${st.used} of ${st.allowance} this period (${out.periodStart.slice(0, 10)} to ${out.periodEnd.slice(0, 10)}); ${st.remaining} left`,
          `  ${waiting} companies waiting for credits${waiting && st.remaining ? ': they go out on the next run (kustiq sync --portal ' + opts.portal + ')' : ''}`,
        ].join('\n'));
      } finally {
        await db.close();
      }
    });
}
