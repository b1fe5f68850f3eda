import { FieldError } from '../errors/field-error';
import type { Knex } from 'knex';
import { z } from 'zod';

/**
 * The review table (the seed's match table): rows below 80 wait here with their
 * candidates. A person confirms (the best or another candidate) or rejects; a confirmed
 * row gets method `manual` and is queued for writing.
 */
export interface ReviewRow {
  companyId: string;
  companyName: string | null;
  companyDomain: string | null;
  confidence: number;
  reason: string | null;
  candidates: { profileId: string; confidence: number; name: string; domain: string; sample: boolean }[];
}

export async function reviewRows(knex: Knex, connectionId: string, opts: { limit?: number; offset?: number } = {}): Promise<{ total: number; rows: ReviewRow[] }> {
  const base = knex('company_matches').where({ connection_id: connectionId, status: 'review' });
  const total = Number((await base.clone().count<{ count: string }[]>('* as count'))[0]!.count);
  const rows = await base.clone().orderBy([{ column: 'confidence', order: 'desc' }, 'company_id']).limit(opts.limit ?? 100).offset(opts.offset ?? 0);
  const ids = [...new Set(rows.flatMap((r) => (r.candidates as { profileId: string }[]).map((c) => c.profileId)))];
  const profiles = new Map((ids.length ? await knex('profiles').whereIn('id', ids).select('id', 'name', 'domain', 'sample') : []).map((p) => [p.id, p]));
  return {
    total,
    rows: rows.map((r) => ({
      companyId: r.company_id, companyName: r.company_name, companyDomain: r.company_domain, confidence: r.confidence, reason: r.reason,
      candidates: (r.candidates as { profileId: string; confidence: number }[])
        .filter((c) => profiles.has(c.profileId))
        .map((c) => ({ ...c, name: profiles.get(c.profileId)!.name, domain: profiles.get(c.profileId)!.domain, sample: profiles.get(c.profileId)!.sample })),
    })),
  };
}

export const Decision = z.object({
  companyId: z.string().min(1).max(64),
  action: z.enum(['confirm', 'reject']),
  /** Another candidate than the best; must be one of the row's candidates. */
  profileId: z.string().min(1).max(200).optional(),
});
export const BulkConfirm = z.object({ companyIds: z.array(z.string().min(1).max(64)).min(1).max(1000) });

export class ReviewError extends FieldError {}

export async function decide(knex: Knex, connectionId: string, userId: string, d: z.infer<typeof Decision>): Promise<{ companyId: string; status: string; profileId: string | null; writeStatus: string }> {
  return knex.transaction(async (trx) => {
    const row = await trx('company_matches').where({ connection_id: connectionId, company_id: d.companyId }).forUpdate().first();
    if (!row) throw new ReviewError('companyId', `no company ${d.companyId} in review`);
    if (row.status !== 'review') throw new ReviewError('companyId', `company ${d.companyId} is ${row.status}, not in review`);
    if (d.action === 'reject') {
      await trx('company_matches').where({ connection_id: connectionId, company_id: d.companyId })
        .update({ status: 'rejected', profile_id: null, write_status: 'none', decided_by: userId, decided_at: trx.fn.now() });
      return { companyId: d.companyId, status: 'rejected', profileId: null, writeStatus: 'none' };
    }
    const candidates = row.candidates as { profileId: string; confidence: number }[];
    const chosen = d.profileId ?? candidates[0]?.profileId;
    if (!chosen || !candidates.some((c) => c.profileId === chosen)) throw new ReviewError('profileId', `profile ${chosen ?? '(none)'} is not a candidate for company ${d.companyId}`);
    await trx('company_matches').where({ connection_id: connectionId, company_id: d.companyId }).update({
      status: 'matched', method: 'manual', profile_id: chosen,
      confidence: candidates.find((c) => c.profileId === chosen)!.confidence,
      reason: null, write_status: 'queued', decided_by: userId, decided_at: trx.fn.now(),
    });
    return { companyId: d.companyId, status: 'matched', profileId: chosen, writeStatus: 'queued' };
  });
}

/** Confirms each row's best candidate, all or nothing. */
export async function bulkConfirm(knex: Knex, connectionId: string, userId: string, companyIds: string[]) {
  return knex.transaction(async (trx) => {
    const out = [];
    for (const companyId of companyIds) out.push(await decide(trx as unknown as Knex, connectionId, userId, { companyId, action: 'confirm' }));
    return out;
  });
}
