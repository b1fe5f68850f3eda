import type { Knex } from 'knex';
import { PLANS, periodOf, type Plan, type Period, allowanceText } from './plans';

/**
 * The credit ledger. A record's first enrichment in a period spends one credit (a ledger
 * row); a refresh in the same period finds its row and spends nothing, so a resumed or
 * repeated run never pays twice. Spending locks the workspace row, so workers writing
 * different portals of one workspace at once can never overspend.
 */
export interface CreditStatus {
  plan: Plan;
  allowance: number;
  used: number;
  remaining: number;
  period: Period;
  /** "3 profiles a week" */
  text: string;
  metered: boolean;
}

export interface SpendResult {
  /** Records that may be written now (credit spent now or earlier this period). */
  granted: string[];
  /** Records waiting for credits (ERR_QUOTA_FREE). */
  refused: string[];
  /** Credits spent by this call, and on which records (give them back if the write fails). */
  spent: number;
  spentIds: string[];
  status: CreditStatus;
}

type Db = Knex | Knex.Transaction;

async function grantsFor(db: Db, workspaceId: string, at: Date): Promise<number> {
  const row = await db('credit_grants').where({ workspace_id: workspaceId }).andWhere('valid_from', '<=', at)
    .andWhere((q) => q.whereNull('valid_until').orWhere('valid_until', '>', at)).sum<{ n: string | null }[]>('credits as n');
  return Number(row[0]?.n ?? 0);
}

export async function creditStatus(db: Db, workspaceId: string, at = new Date(), metered = true): Promise<CreditStatus> {
  const ws = await db('workspaces').where({ id: workspaceId }).first('plan');
  if (!ws) throw new Error(`no workspace ${workspaceId}`);
  const plan = ws.plan as Plan;
  const period = periodOf(plan, at);
  const allowance = PLANS[plan].credits + (await grantsFor(db, workspaceId, at));
  const used = Number((await db('credit_ledger').where({ workspace_id: workspaceId, period_start: period.start }).count<{ n: string }[]>('* as n'))[0]!.n);
  return { plan, allowance, used, remaining: Math.max(0, allowance - used), period, text: allowanceText(plan), metered };
}

/**
 * Spends credits for the records about to be enriched, in order, as far as they go.
 * `metered: false` (a deployment without billing, KUSTIQ_CREDITS=unmetered) grants all and records nothing.
 */
export async function spendCredits(knex: Knex, opts: { workspaceId: string; connectionId: string; objectType: 'companies'; recordIds: string[]; runId?: string | null; at?: Date; metered?: boolean }): Promise<SpendResult> {
  const at = opts.at ?? new Date();
  if (opts.metered === false) {
    return { granted: [...opts.recordIds], refused: [], spent: 0, spentIds: [], status: await creditStatus(knex, opts.workspaceId, at, false) };
  }
  return knex.transaction(async (trx) => {
    await trx('workspaces').where({ id: opts.workspaceId }).forUpdate().first('id');
    const status = await creditStatus(trx, opts.workspaceId, at);
    const ids = [...new Set(opts.recordIds)];
    const paid = new Set<string>(ids.length ? (await trx('credit_ledger')
      .where({ workspace_id: opts.workspaceId, period_start: status.period.start, connection_id: opts.connectionId, object_type: opts.objectType })
      .whereIn('record_id', ids).pluck('record_id')) : []);
    const granted: string[] = [];
    const refused: string[] = [];
    const spend: string[] = [];
    let remaining = status.remaining;
    for (const id of ids) {
      if (paid.has(id)) granted.push(id);
      else if (remaining > 0) { remaining--; spend.push(id); granted.push(id); }
      else refused.push(id);
    }
    if (spend.length) {
      await trx('credit_ledger').insert(spend.map((record_id) => ({
        workspace_id: opts.workspaceId, period_start: status.period.start, connection_id: opts.connectionId,
        object_type: opts.objectType, record_id, run_id: opts.runId ?? null, spent_at: at,
      })));
    }
    return { granted, refused, spent: spend.length, spentIds: spend, status: { ...status, used: status.used + spend.length, remaining } };
  });
}

/** Gives back credits spent on records HubSpot then refused (archived, read-only…): nothing was enriched. */
export async function refundCredits(db: Db, opts: { workspaceId: string; connectionId: string; recordIds: string[]; at?: Date }): Promise<number> {
  if (!opts.recordIds.length) return 0;
  const ws = await db('workspaces').where({ id: opts.workspaceId }).first('plan');
  const period = periodOf(ws.plan as Plan, opts.at ?? new Date());
  return db('credit_ledger').where({ workspace_id: opts.workspaceId, period_start: period.start, connection_id: opts.connectionId, object_type: 'companies' })
    .whereIn('record_id', opts.recordIds).delete();
}

export async function grantCredits(db: Db, opts: { workspaceId: string; credits: number; reason: string; validUntil?: Date | null }): Promise<void> {
  // valid_from on this process' clock (milliseconds), the clock every reader asks with: Postgres' now() carries
  // microseconds, so a status read in the same millisecond as the grant would not see it yet.
  await db('credit_grants').insert({ workspace_id: opts.workspaceId, credits: opts.credits, reason: opts.reason, valid_from: new Date(), valid_until: opts.validUntil ?? null });
}

/** Companies waiting for credits on a connection (they go out when credits return). */
export async function waitingForCredits(db: Db, connectionId: string): Promise<number> {
  return Number((await db('company_matches').where({ connection_id: connectionId, write_error: 'ERR_QUOTA_FREE' }).count<{ n: string }[]>('* as n'))[0]!.n);
}

/** The user-facing sentence for ERR_QUOTA_FREE. */
export function quotaMessage(s: CreditStatus): string {
  return `${s.used} of ${s.allowance} credits used this ${s.plan === 'free' ? 'week' : 'month'} (${s.text}); credits return ${s.period.end.toISOString().slice(0, 10)}`;
}
