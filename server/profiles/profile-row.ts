import { COMPANY_PROPERTIES, type CatalogProperty } from '../schema/catalog';
import { normalizeDomain } from '../matching/domain';

/**
 * A profile-graph row (interfaces.md §2): id, name, domain required; aliases optional
 * (`;`-separated); any catalog property without its `kustiq_` prefix. Unknown columns
 * are an error, not ignored. Problems are collected per field, never thrown one by one.
 */
export interface Profile {
  id: string;
  name: string;
  domain: string;
  aliases: string[];
  values: Record<string, string>;
  /** Generated sample data, shown as such wherever it appears. */
  sample: boolean;
}

export interface RowProblem {
  field: string;
  problem: string;
}

/** Values Kustiq computes per workspace, never taken from the graph. */
const COMPUTED = new Set(['profile_id', 'match_confidence', 'match_method', 'last_synced_at', 'score_a', 'score_b', 'score_c', 'icp_fit_score', 'icp_grade', 'icp_explanation']);
const GRAPH_FIELDS = new Map<string, CatalogProperty>(
  COMPANY_PROPERTIES.map((p) => [p.name.replace(/^kustiq_/, ''), p] as const).filter(([k]) => !COMPUTED.has(k)),
);
export const PROFILE_COLUMNS = ['id', 'name', 'domain', 'aliases', 'sample', ...GRAPH_FIELDS.keys()];

function checkValue(p: CatalogProperty, raw: string): string | null {
  switch (p.type) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw) ? null : `"${raw}" is not a number`;
    case 'date':
    case 'datetime':
      return /^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(Date.parse(raw)) ? null : `"${raw}" is not a date (YYYY-MM-DD)`;
    case 'enumeration': {
      if (p.growing) return raw.split(';').every((v) => /^[a-z0-9_]+$/.test(v.trim())) ? null : `"${raw}" must be ;-separated slugs (a-z, 0-9, _)`;
      const allowed = new Set(p.options!.map((o) => o.value));
      const bad = (p.fieldType === 'checkbox' ? raw.split(';').map((v) => v.trim()) : [raw]).filter((v) => !allowed.has(v));
      return bad.length ? `"${bad.join(';')}" is not one of ${[...allowed].join(', ')}` : null;
    }
    default:
      return null;
  }
}

export function parseProfileRow(record: Record<string, unknown>): { profile: Profile | null; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const str = (k: string) => (record[k] === undefined || record[k] === null ? '' : String(record[k]).trim());
  for (const k of Object.keys(record)) {
    if (!PROFILE_COLUMNS.includes(k)) problems.push({ field: k, problem: 'unknown column (catalog properties go without their kustiq_ prefix)' });
  }
  const id = str('id');
  const name = str('name');
  const domainRaw = str('domain');
  if (!id) problems.push({ field: 'id', problem: 'required' });
  if (!name) problems.push({ field: 'name', problem: 'required' });
  const domain = normalizeDomain(domainRaw).domain;
  if (!domainRaw) problems.push({ field: 'domain', problem: 'required' });
  else if (!domain) problems.push({ field: 'domain', problem: `"${domainRaw}" is not a registrable domain` });
  const values: Record<string, string> = {};
  for (const [k, p] of GRAPH_FIELDS) {
    const raw = str(k);
    if (!raw) continue;
    const bad = checkValue(p, raw);
    if (bad) problems.push({ field: k, problem: bad });
    else values[k] = p.fieldType === 'checkbox' ? raw.split(';').map((v) => v.trim()).filter(Boolean).join(';') : raw;
  }
  const aliases = str('aliases').split(';').map((a) => a.trim()).filter(Boolean);
  if (problems.length) return { profile: null, problems };
  const sample = ['true', '1', 'yes'].includes(str('sample').toLowerCase());
  return { profile: { id, name, domain: domain!, aliases, values, sample }, problems };
}
