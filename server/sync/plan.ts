import type { IcpDefinition } from '../icp/icp-definition';
import { catalogProperty, type ObjectType } from '../schema/catalog';
import { matchedCompanyValues, valuesHash, type Wire } from './record-values';

/**
 * The pure middle of the sync: for one record, HubSpot's current kustiq_* values (as the
 * page source read them), what Kustiq knows (its match and profile, or the contact's
 * enrichment) and the writable properties → the properties to write, or why not. No I/O:
 * tested without Postgres or HubSpot.
 *
 * HubSpot is the truth. When the read carried HubSpot's values, a record is written
 * exactly when one of its writable properties differs from what Kustiq would write (a
 * value cleared or altered in HubSpot comes back; a record already right is never
 * written). Only the nightly's profile-change path, which reads nothing, falls back to
 * the hash of what Kustiq last wrote.
 */
export type CurrentValues = Record<string, string | null | undefined>;

/** A date or datetime as epoch ms, as HubSpot answers it (ISO 8601, a bare date at midnight UTC, or epoch milliseconds). */
export function instantOf(v: string | null | undefined): number {
  if (!v) return NaN;
  return /^\d+$/.test(v) ? Number(v) : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
}

/** Whether HubSpot's stored value is the one Kustiq would write, as HubSpot returns values of the property's type. */
export function sameValue(objectType: ObjectType, name: string, ours: string, theirs: string | null | undefined): boolean {
  const t = theirs ?? '';
  if (ours === t) return true;
  if (ours === '' || t === '') return false;
  const p = catalogProperty(objectType, name);
  switch (p?.type) {
    case 'number':
      return Number(ours) === Number(t);
    case 'date':
    case 'datetime':
      return instantOf(ours) === instantOf(t);
    case 'enumeration':
      if (p.fieldType === 'checkbox') {
        const set = (v: string) => [...new Set(v.split(';').filter(Boolean))].sort().join(';');
        return set(ours) === set(t);
      }
      return false;
    default:
      return false;
  }
}

/** The writable properties whose value in HubSpot differs from Kustiq's (the sync time never counts). */
export function differingProperties(objectType: ObjectType, values: Wire, current: CurrentValues, writable: (name: string) => boolean): string[] {
  return Object.keys(values).filter((k) => k !== 'kustiq_last_synced_at' && writable(k) && !sameValue(objectType, k, values[k]!, current[k]));
}

export interface StoredMatch {
  status: string;
  profile_id: string | null;
  confidence: number;
  method: 'domain' | 'name' | 'manual';
  written_hash: string | null;
  write_error?: string | null;
  /** The profile's values. */
  values: Record<string, string> | null;
}

export type RecordPlan =
  /** Not Kustiq's to write (review, unmatched, skipped, rejected). */
  | { action: 'none' }
  /** HubSpot already holds Kustiq's values; `record` when Kustiq's memory of them is missing or differs. */
  | { action: 'unchanged'; values: Wire; hash: string; record: boolean }
  /**
   * To be written. `stale`: Kustiq had recorded it written but HubSpot holds something else.
   * `restore`: and what Kustiq writes now is what it wrote then (a value cleared or altered
   * in HubSpot comes back), rather than new values.
   */
  | { action: 'write'; values: Wire; hash: string; stale: boolean; restore: boolean };

/**
 * A company's plan. `current` is HubSpot's kustiq_* values from the read, or null on the
 * profile-change path (no read: the written hash decides).
 */
export function planCompany(m: StoredMatch, current: CurrentValues | null, icp: IcpDefinition | null, writable: (name: string) => boolean): RecordPlan {
  if (m.status !== 'matched' || !m.profile_id || !m.values) return { action: 'none' };
  const all = matchedCompanyValues(m.values, { profileId: m.profile_id, confidence: m.confidence, method: m.method }, icp);
  const hash = valuesHash(all);
  const values = Object.fromEntries(Object.entries(all).filter(([k]) => writable(k)));
  if (current === null) return hash === m.written_hash ? { action: 'unchanged', values, hash, record: false } : { action: 'write', values, hash, stale: false, restore: false };
  if (!differingProperties('companies', values, current, writable).length) return { action: 'unchanged', values, hash, record: hash !== m.written_hash };
  return { action: 'write', values, hash, stale: m.written_hash !== null, restore: m.written_hash === hash };
}

/** A contact's plan, from its enrichment's values (HubSpot's current ones are on the same read). */
export function planContact(all: Wire, current: CurrentValues, writtenHash: string | null | undefined, writable: (name: string) => boolean): RecordPlan {
  const hash = valuesHash(all);
  const values = Object.fromEntries(Object.entries(all).filter(([k]) => writable(k)));
  if (!differingProperties('contacts', values, current, writable).length) return { action: 'unchanged', values, hash, record: hash !== (writtenHash ?? null) };
  return { action: 'write', values, hash, stale: !!writtenHash, restore: writtenHash === hash };
}

/**
 * The matched company a contact belongs to: its associated company when that one is
 * matched, else the matched company on its email's (non-generic) domain.
 */
export function contactCompany(associatedCompanyId: string | null | undefined, emailDomain: { domain: string | null; generic: boolean }, matched: { ids: Set<string>; domains: Map<string, string> }): string | null {
  if (associatedCompanyId && matched.ids.has(String(associatedCompanyId))) return String(associatedCompanyId);
  return emailDomain.domain && !emailDomain.generic ? matched.domains.get(emailDomain.domain) ?? null : null;
}
