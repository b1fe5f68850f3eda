import type { Knex } from 'knex';
import { HubSpotPort } from '../hubspot/port';
import type { InstallServices } from '../install/services';
import type { MatchResult } from './matcher';
import { graphSize, matchBatchInPostgres } from './pg-matcher';

/**
 * Reads a portal's companies (name, domain, id) and matches them against the profile
 * graph, storing each verdict. A row a person already decided keeps its decision.
 * Returns a tally by status. Reads through the HubSpot port (the portal's budget), 200
 * companies a search page.
 */
export interface MatchTally {
  total: number;
  matched: number;
  review: number;
  unmatched: number;
  skipped: number;
}

export async function storeMatches(knex: Knex, connectionId: string, companies: { id: string; name: string; domain: string }[], results: MatchResult[]): Promise<void> {
  const rows = results.map((r, i) => ({
    connection_id: connectionId, company_id: r.id, company_name: companies[i]!.name, company_domain: companies[i]!.domain,
    status: r.status, profile_id: r.profileId, confidence: r.confidence, method: r.method, reason: r.reason,
    candidates: JSON.stringify(r.candidates), write_status: r.status === 'matched' ? 'queued' : 'none', matched_at: new Date(), seen_at: new Date(),
  }));
  if (!rows.length) return;
  // A person's decision (manual match, rejection) wins over a re-run of the matcher.
  await knex('company_matches')
    .insert(rows)
    .onConflict(['connection_id', 'company_id'])
    .merge({
      company_name: knex.raw('excluded.company_name'), company_domain: knex.raw('excluded.company_domain'), status: knex.raw('excluded.status'),
      profile_id: knex.raw('excluded.profile_id'), confidence: knex.raw('excluded.confidence'), method: knex.raw('excluded.method'),
      reason: knex.raw('excluded.reason'), candidates: knex.raw('excluded.candidates'), matched_at: knex.raw('excluded.matched_at'),
      // The same verdict again keeps its write state (a written record stays written until its values change).
      write_status: knex.raw(`CASE WHEN company_matches.status = excluded.status AND company_matches.profile_id IS NOT DISTINCT FROM excluded.profile_id
        THEN company_matches.write_status ELSE excluded.write_status END`),
    })
    .whereRaw(`company_matches.decided_at IS NULL`);
  // Seen in HubSpot now, decided rows included (a full run forgets what it no longer sees).
  await knex('company_matches').where({ connection_id: connectionId }).whereIn('company_id', rows.map((r) => r.company_id)).update({ seen_at: knex.fn.now() });
}

export async function matchPortal(s: InstallServices, portalId: number): Promise<MatchTally> {
  const conn = await s.knex('hubspot_connections').where({ portal_id: String(portalId) }).first();
  if (!conn) throw new Error(`no HubSpot connection for portal ${portalId}`);
  const port = HubSpotPort.forPortal(s, portalId);
  const total = await graphSize(s.knex);
  const tally: MatchTally = { total: 0, matched: 0, review: 0, unmatched: 0, skipped: 0 };
  let after = '';
  for (;;) {
    // Windowed on hs_object_id, as the sync reads: no 10,000-result cap.
    const page = await port.search('companies', { filterGroups: after ? [{ filters: [{ propertyName: 'hs_object_id', operator: 'GT', value: after }] }] : [], sorts: ['hs_object_id'], properties: ['name', 'domain'], limit: 200 });
    if (!page.results.length) break;
    const companies = page.results.map((c) => ({ id: c.id, name: c.properties.name ?? '', domain: c.properties.domain ?? '' }));
    const results = await matchBatchInPostgres(s.knex, companies, total);
    await storeMatches(s.knex, conn.id, companies, results);
    for (const r of results) { tally.total++; tally[r.status]++; }
    if (page.results.length < 200) break;
    after = companies[companies.length - 1]!.id;
  }
  return tally;
}
