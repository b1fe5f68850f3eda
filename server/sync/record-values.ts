import { createHash } from 'node:crypto';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES } from '../schema/catalog';
import type { ContactProperties } from '../contacts/enrich-contact';
import type { IcpDefinition } from '../icp/icp-definition';
import { FIT_PROPERTIES, scoreCompany, type FitScores } from '../icp/score';

/**
 * The values a sync writes, in HubSpot's wire format (numbers as decimal strings, dates
 * as YYYY-MM-DD, datetimes as epoch ms, multi-selects joined with `;`). Pure. A value the
 * profile lacks is written empty, so a value the graph dropped is cleared, not left stale.
 * The hash covers everything except the sync time, so an unchanged record is never rewritten.
 */
export type Wire = Record<string, string>;

const COMPUTED = new Set<string>(['kustiq_profile_id', 'kustiq_match_confidence', 'kustiq_match_method', 'kustiq_last_synced_at', ...FIT_PROPERTIES]);
const GRAPH = COMPANY_PROPERTIES.filter((p) => !COMPUTED.has(p.name));

export interface CompanyMatchState {
  profileId: string;
  confidence: number;
  method: 'domain' | 'name' | 'manual';
}

/** A matched company's values, with its ICP fit when the workspace has an ICP. */
export function matchedCompanyValues(profile: Record<string, string>, match: CompanyMatchState, icp: IcpDefinition | null): Wire {
  return companyValues(profile, match, icp ? scoreCompany(icp, profile) : null);
}

export function companyValues(profile: Record<string, string | number | null | undefined>, match: CompanyMatchState, fit: FitScores | null): Wire {
  const out: Wire = {};
  for (const p of GRAPH) {
    const raw = profile[p.name.slice('kustiq_'.length)];
    out[p.name] = raw === null || raw === undefined ? '' : String(raw);
  }
  out.kustiq_profile_id = match.profileId;
  out.kustiq_match_confidence = String(match.confidence);
  out.kustiq_match_method = match.method;
  // With no ICP the fit properties are left alone (no invented numbers).
  if (fit) for (const k of FIT_PROPERTIES) out[k] = fit[k] === null ? '' : String(fit[k]);
  return out;
}

export function contactValues(p: ContactProperties): Wire {
  const out: Wire = {};
  for (const prop of CONTACT_PROPERTIES) {
    const v = p[prop.name as keyof ContactProperties];
    // An unknown seniority is not written at all (rather than cleared to a guess).
    if (v !== null && v !== undefined) out[prop.name] = String(v);
  }
  return out;
}

export function valuesHash(values: Wire): string {
  const keys = Object.keys(values).filter((k) => k !== 'kustiq_last_synced_at').sort();
  return createHash('sha256').update(JSON.stringify(keys.map((k) => [k, values[k]]))).digest('base64url').slice(0, 32);
}

/** Adds the sync time: datetime properties take epoch milliseconds. */
export function stamped(values: Wire, at: Date): Wire {
  return { ...values, kustiq_last_synced_at: String(at.getTime()) };
}
