import { quotaMessage, refundCredits, spendCredits } from '../credits/credit-ledger';
import { enqueueEvents } from '../webhooks/outbox';
import { enrichContact } from '../contacts/enrich-contact';
import { KustiqError } from '../errors/codes';
import { loadIcp } from '../icp/icp-store';
import type { InstallServices } from '../install/services';
import { normalizeDomain } from '../matching/domain';
import { storeMatches } from '../matching/match-portal';
import { graphSize, matchBatchInPostgres } from '../matching/pg-matcher';
import { HubSpotGateway, statusOf } from './hubspot-gateway';
import { emptyCounts, markCompaniesWritten, TechOptions, writeBatch } from './portal-sync';
import { budgetFor } from './rate-budget';
import { contactValues, matchedCompanyValues, stamped, valuesHash, type Wire } from './record-values';

/**
 * "Sync now" for one record: read it from HubSpot, match (companies) or find its matched
 * company (contacts), and write its kustiq_* values at once, even if unchanged (the rep
 * asked; the sync time moves). Two requests: one read, one write. The outcome is what the
 * card shows: written, or skipped with the reason's code.
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
  const gw = new HubSpotGateway(s, portalId, budget);
  const skipped = (code: string, detail: string): RecordOutcome => ({ outcome: 'skipped', code, detail, properties: null });
  let rec: { id: string; properties: Record<string, string | null> };
  try {
    rec = await gw.call('general', (c) => (objectType === 'companies'
      ? c.crm.companies.basicApi.getById(recordId, ['name', 'domain'])
      : c.crm.contacts.basicApi.getById(recordId, ['email', 'firstname', 'lastname', 'jobtitle', 'associatedcompanyid']))) as typeof rec;
  } catch (err) {
    if (statusOf(err) === 404) return skipped('record_gone', `HubSpot has no ${objectType.slice(0, -1)} ${recordId} (deleted or merged)`);
    throw err;
  }
  const now = new Date();
  if (objectType === 'companies') {
    const input = { id: recordId, name: rec.properties.name ?? '', domain: rec.properties.domain ?? '' };
    const [result] = await matchBatchInPostgres(s.knex, [input], await graphSize(s.knex));
    await storeMatches(s.knex, conn.id, [input], [result!]);
    const m = await s.knex('company_matches as m').leftJoin('profiles as p', 'p.id', 'm.profile_id')
      .where({ 'm.connection_id': conn.id, 'm.company_id': recordId }).first('m.status', 'm.profile_id', 'm.confidence', 'm.method', 'm.reason', 'p.values');
    if (m.status !== 'matched' || !m.values) {
      const code = m.status === 'skipped' ? 'ERR_DOMAIN_EMPTY' : 'ERR_MATCH_LOW';
      return skipped(code, m.status === 'review' ? `best candidate at ${m.confidence}% waits in review` : m.status === 'rejected' ? 'the match was rejected in review' : m.status === 'skipped' ? 'the company has no domain' : 'no profile matched at 80% or more');
    }
    const icp = await loadIcp(s.knex, conn.workspace_id);
    const values = matchedCompanyValues(m.values, { profileId: m.profile_id, confidence: m.confidence, method: m.method }, icp?.definition ?? null);
    const properties = stamped(values, now);
    const credit = await spendCredits(s.knex, { workspaceId: conn.workspace_id, connectionId: conn.id, objectType: 'companies', recordIds: [recordId], at: now, metered: s.config.KUSTIQ_CREDITS === 'metered' });
    if (credit.refused.length) {
      await s.knex('company_matches').where({ connection_id: conn.id, company_id: recordId }).update({ write_error: 'ERR_QUOTA_FREE' });
      return skipped('ERR_QUOTA_FREE', quotaMessage(credit.status));
    }
    const counts = emptyCounts();
    const out = await writeBatch(gw, 'companies', [{ id: recordId, properties }], new TechOptions(gw), counts);
    if (!out.written.length) {
      await refundCredits(s.knex, { workspaceId: conn.workspace_id, connectionId: conn.id, recordIds: credit.spentIds, at: now });
      return skipped(out.failed[0]?.code ?? 'record_gone', 'HubSpot did not take the write');
    }
    await s.knex.transaction(async (trx) => {
      await markCompaniesWritten(trx, conn.id, [{ id: recordId, properties, hash: valuesHash(values), pageAfter: '' }], now, !!icp);
      await enqueueEvents(trx, s.boss, { workspaceId: conn.workspace_id, portalId, type: 'company.enriched', objectType: 'companies', records: [{ objectId: recordId, profileId: m.profile_id, properties }] });
    });
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
  const out = await writeBatch(gw, 'contacts', [{ id: recordId, properties: values }], null, emptyCounts());
  if (!out.written.length) return skipped(out.failed[0]?.code ?? 'record_gone', 'HubSpot did not take the write');
  await s.knex.transaction(async (trx) => {
    await trx('contact_writes').insert({ connection_id: conn.id, contact_id: recordId, company_id: company.company_id, written_hash: valuesHash(values), written_at: now })
      .onConflict(['connection_id', 'contact_id']).merge();
    await enqueueEvents(trx, s.boss, { workspaceId: conn.workspace_id, portalId, type: 'contact.enriched', objectType: 'contacts', records: [{ objectId: recordId, profileId: company.profile_id ?? null, properties: values }] });
  });
  return { outcome: 'written', code: null, detail: null, properties: values };
}
