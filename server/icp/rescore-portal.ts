import { HubSpotPort } from '../hubspot/port';
import { PropertyGate } from '../sync/property-gate';
import type { InstallServices } from '../install/services';
import { loadIcp } from './icp-store';
import { FIT_PROPERTIES, scoreCompany, type FitScores } from './score';

/**
 * Scores a portal's matched companies against its workspace's ICP and writes the fit
 * properties (and only those) to HubSpot in batches of 100, only for companies whose
 * values differ from what was last written. With no ICP nothing is written. Only
 * companies whose values the sync wrote are rescored: the fit of one the sync has not
 * written yet goes out with its firmographics (a grade alone on a bare record would say
 * more than HubSpot holds). The values written are recorded per company after each
 * successful batch, so a re-run after a failure picks up where it stopped. Writes go
 * through the HubSpot port (the portal's budget) and carry only properties whose state
 * is ok.
 */
export interface RescoreTally {
  companies: number;
  changed: number;
  unchanged: number;
  written: number;
  batches: number;
  icp: boolean;
}

const BATCH = 100;

type Wire = Record<string, string>;

/** HubSpot's wire format; a tier no longer defined is cleared ("") where it was written before. */
function toWire(scores: FitScores, previous: Wire | null): Wire {
  const out: Wire = {};
  for (const p of FIT_PROPERTIES) {
    const v = scores[p];
    if (v === null) {
      if (previous?.[p]) out[p] = '';
    } else out[p] = String(v);
  }
  return out;
}

const same = (a: Wire, b: Wire | null) => !!b && FIT_PROPERTIES.every((p) => (a[p] ?? '') === (b[p] ?? ''));

export async function rescorePortal(s: InstallServices, portalId: number): Promise<RescoreTally> {
  const conn = await s.knex('hubspot_connections').where({ portal_id: String(portalId), status: 'connected' }).first();
  if (!conn) throw new Error(`no connected HubSpot portal ${portalId}`);
  const tally: RescoreTally = { companies: 0, changed: 0, unchanged: 0, written: 0, batches: 0, icp: false };
  const icp = await loadIcp(s.knex, conn.workspace_id);
  if (!icp || !icp.definition.tiers.length) return tally;
  tally.icp = true;
  const port = HubSpotPort.forPortal(s, portalId);
  const gate = await PropertyGate.load(s.knex, conn.id);
  let pending: { id: string; properties: Wire }[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    const out = await port.writeBatch('companies', batch.map((b) => ({ id: b.id, properties: gate.filter('companies', b.properties) })));
    await gate.refuse(s.knex, out.refusedProperties);
    tally.batches++;
    tally.written += out.written.length;
    const ok = new Set(out.written);
    await s.knex.transaction(async (trx) => {
      for (const b of batch) {
        if (!ok.has(b.id)) continue;
        await trx('company_matches').where({ connection_id: conn.id, company_id: b.id })
          .update({ fit_values: JSON.stringify(b.properties), fit_written_at: trx.fn.now() });
      }
    });
  };
  // Stream matched companies with their profile's values, in company-id order, page by page.
  let after = '';
  for (;;) {
    const rows: { company_id: string; fit_values: Wire | null; values: Record<string, string> }[] = await s.knex('company_matches as m')
      .join('profiles as p', 'p.id', 'm.profile_id')
      .where({ 'm.connection_id': conn.id, 'm.status': 'matched', 'm.write_status': 'written' })
      .andWhere('m.company_id', '>', after)
      .orderBy('m.company_id')
      .limit(1000)
      .select('m.company_id', 'm.fit_values', 'p.values');
    if (!rows.length) break;
    for (const r of rows) {
      tally.companies++;
      const wire = toWire(scoreCompany(icp.definition, r.values)!, r.fit_values);
      if (same(wire, r.fit_values)) { tally.unchanged++; continue; }
      tally.changed++;
      pending.push({ id: r.company_id, properties: wire });
      if (pending.length === BATCH) await flush();
    }
    after = rows[rows.length - 1]!.company_id;
  }
  await flush();
  return tally;
}
