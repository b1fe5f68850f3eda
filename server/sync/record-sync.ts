import { creditStatus, quotaMessage } from '../credits/credit-ledger';
import { enrichContact } from '../contacts/enrich-contact';
import { KustiqError } from '../errors/codes';
import { HubSpotPort } from '../hubspot/port';
import { budgetFor } from '../hubspot/rate-budget';
import { loadIcp } from '../icp/icp-store';
import type { InstallServices } from '../install/services';
import { normalizeDomain } from '../matching/domain';
import { storeMatches } from '../matching/match-portal';
import { graphSize, matchBatchInPostgres } from '../matching/pg-matcher';
import { writeBatches, type WriterContext } from './batch-writer';
import { COMPANY_READ, CONTACT_READ } from './page-source';
import { planCompany, planContact, type StoredMatch } from './plan';
import { PropertyGate } from './property-gate';
import { contactValues, stamped, type Wire } from './record-values';
import { recordCompanyFailures, recordCompanyWrites, recordContactWrites, type Recorder } from './write-records';

/**
 * "Sync now" for one record: read it from HubSpot (with its kustiq_* values), match
 * (companies) or find its matched company (contacts), plan it as a run would, and write
 * through the same batch writer at once, even when HubSpot already holds the values (the
 * rep asked: the sync time moves). Two requests: one read, one write. The outcome is what
 * the card shows: written, or skipped with the reason's code.
 */
export type RecordType = 'companies' | 'contacts';

export interface RecordOutcome {
  outcome: 'written' | 'skipped';
  code: string | null;
  detail: string | null;
  properties: Wire | null;
}

export async function syncRecord(s: InstallServices, portalId: number, objectType: RecordType, recordId: string, budget = budgetFor(s)): Promise<RecordOutcome> {
  const conn = await s.knex('hubspot_connections').where({ portal_id: String(portalId) }).first();
  if (!conn || conn.status !== 'connected') throw new KustiqError('ERR_OAUTH_REVOKED', `HubSpot portal ${portalId} is not connected`);
  const port = HubSpotPort.forPortal(s, portalId, budget);
  const gate = await PropertyGate.load(s.knex, conn.id);
  const skipped = (code: string, detail: string): RecordOutcome => ({ outcome: 'skipped', code, detail, properties: null });
  const rec = await port.getRecord(objectType, recordId, objectType === 'companies' ? COMPANY_READ : CONTACT_READ);
  if (!rec) return skipped('record_gone', `HubSpot has no ${objectType.slice(0, -1)} ${recordId} (deleted or merged)`);
  const closed = gate.allClosed(objectType);
  if (closed) return skipped(closed.code ?? 'ERR_SCOPE_MISSING', closed.detail ?? `no kustiq_* ${objectType.slice(0, -1)} property can be written`);
  const now = new Date();
  const icp = objectType === 'companies' ? await loadIcp(s.knex, conn.workspace_id) : null;
  const writer: WriterContext = { knex: s.knex, port, gate, connectionId: conn.id, credits: { workspaceId: conn.workspace_id, metered: s.config.KUSTIQ_CREDITS === 'metered' } };
  const recorder: Recorder = { connectionId: conn.id, workspaceId: conn.workspace_id, portalId, boss: s.boss, withFit: !!icp };
  const writable = (k: string) => gate.writable(objectType, k);

  if (objectType === 'companies') {
    const input = { id: recordId, name: rec.properties.name ?? '', domain: rec.properties.domain ?? '' };
    const [result] = await matchBatchInPostgres(s.knex, [input], await graphSize(s.knex));
    await storeMatches(s.knex, conn.id, [input], [result!]);
    const m: StoredMatch & { reason: string | null } = await s.knex('company_matches as m').leftJoin('profiles as p', 'p.id', 'm.profile_id')
      .where({ 'm.connection_id': conn.id, 'm.company_id': recordId }).first('m.status', 'm.profile_id', 'm.confidence', 'm.method', 'm.reason', 'm.written_hash', 'p.values');
    const plan = planCompany(m, rec.properties, icp?.definition ?? null, writable);
    if (plan.action === 'none') {
      const code = m.status === 'skipped' ? 'ERR_DOMAIN_EMPTY' : 'ERR_MATCH_LOW';
      return skipped(code, m.status === 'review' ? `best candidate at ${m.confidence}% waits in review` : m.status === 'rejected' ? 'the match was rejected in review' : m.status === 'skipped' ? 'the company has no domain' : 'no profile matched at 80% or more');
    }
    const properties = stamped(plan.values, now);
    const out = await writeBatches(writer, [{ id: recordId, properties, hash: plan.hash, pageAfter: '', profileId: m.profile_id! }], 'companies', true);
    await s.knex.transaction(async (trx) => {
      await recordCompanyWrites(trx, recorder, out.written, now);
      await recordCompanyFailures(trx, conn.id, out.failed);
    });
    if (!out.written.length) {
      const code = out.failed[0]?.code ?? 'record_gone';
      if (code === 'ERR_QUOTA_FREE') return skipped(code, quotaMessage(await creditStatus(s.knex, conn.workspace_id, now, writer.credits.metered)));
      return skipped(code, 'HubSpot did not take the write');
    }
    return { outcome: 'written', code: null, detail: null, properties };
  }
  // A contact: written only for a matched company (its association, or its email's domain).
  const p = rec.properties;
  const email = p.email ?? '';
  const assoc = p.associatedcompanyid ? await s.knex('company_matches').where({ connection_id: conn.id, company_id: String(p.associatedcompanyid), status: 'matched' }).first('company_id', 'company_domain', 'profile_id') : null;
  const d = normalizeDomain(email.slice(email.lastIndexOf('@') + 1));
  let company = assoc;
  if (!company && d.domain && !d.generic) {
    const candidates = await s.knex('company_matches').where({ connection_id: conn.id, status: 'matched' }).whereILike('company_domain', `%${d.domain}%`).select('company_id', 'company_domain', 'profile_id');
    company = candidates.find((c) => normalizeDomain(c.company_domain).domain === d.domain) ?? null;
  }
  if (!company) return skipped('no_matched_company', 'the contact belongs to no matched company (by association or email domain)');
  const values = contactValues(enrichContact({ email, firstname: p.firstname, lastname: p.lastname, jobtitle: p.jobtitle, companyDomain: normalizeDomain(company.company_domain).domain }));
  const plan = planContact(values, p, null, writable);
  if (plan.action === 'none') return skipped('no_matched_company', 'nothing to write');
  const out = await writeBatches(writer, [{ id: recordId, properties: plan.values, hash: plan.hash, pageAfter: '', companyId: company.company_id, profileId: company.profile_id ?? undefined }], 'contacts', true);
  if (!out.written.length) return skipped(out.failed[0]?.code ?? 'record_gone', 'HubSpot did not take the write');
  await s.knex.transaction(async (trx) => recordContactWrites(trx, recorder, out.written, now));
  return { outcome: 'written', code: null, detail: null, properties: plan.values };
}
