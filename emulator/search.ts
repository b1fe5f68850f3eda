import { errors } from './errors';
import type { ObjectType, PropertyDef } from './state';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_MAX_RESULTS = 10_000;

export interface Filter {
  propertyName: string;
  operator: string;
  value?: unknown;
  values?: unknown[];
  highValue?: unknown;
}
export interface SearchBody {
  filterGroups?: { filters?: Filter[] }[];
  sorts?: ({ propertyName: string; direction?: string } | string)[];
  properties?: string[];
  limit?: number;
  after?: string | number;
  query?: string;
}

const OPERATORS = new Set([
  'EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN',
]);
const QUERY_PROPS: Record<ObjectType, string[]> = {
  companies: ['name', 'domain', 'website', 'phone'],
  contacts: ['email', 'firstname', 'lastname', 'phone', 'company'],
};

type Props = Record<string, string>;
type Pred = (p: Props) => boolean;

function isNumeric(def: PropertyDef | undefined, name: string): boolean {
  if (name === 'hs_object_id') return true;
  return !!def && ['number', 'date', 'datetime'].includes(def.type);
}

function toNum(def: PropertyDef | undefined, v: unknown): number {
  const s = String(v);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (def && (def.type === 'date' || def.type === 'datetime')) return Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.NaN;
}

function tokens(s: string): string[] {
  return s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function compileFilter(f: Filter, defs: Map<string, PropertyDef>): Pred {
  if (!f || typeof f.propertyName !== 'string' || !OPERATORS.has(f.operator)) {
    throw errors.validation(`Invalid filter: ${JSON.stringify(f)}. operator must be one of ${[...OPERATORS].join(', ')}`);
  }
  const name = f.propertyName;
  const def = defs.get(name);
  if (!def && name !== 'hs_object_id') throw errors.validation(`Property "${name}" does not exist`);
  const numeric = isNumeric(def, name);
  const norm = (v: unknown) => (numeric ? toNum(def, v) : String(v).toLowerCase());
  const get = (p: Props) => {
    const raw = p[name];
    if (raw === undefined || raw === '') return undefined;
    return numeric ? toNum(def, raw) : raw.toLowerCase();
  };
  const multi = def?.fieldType === 'checkbox';
  switch (f.operator) {
    case 'HAS_PROPERTY': return (p) => get(p) !== undefined;
    case 'NOT_HAS_PROPERTY': return (p) => get(p) === undefined;
    case 'EQ': {
      const v = norm(f.value);
      return multi
        ? (p) => (p[name] ?? '').toLowerCase().split(';').includes(String(v))
        : (p) => get(p) === v;
    }
    case 'NEQ': { const v = norm(f.value); return (p) => get(p) !== v; }
    case 'LT': { const v = norm(f.value); return (p) => { const x = get(p); return x !== undefined && x < v; }; }
    case 'LTE': { const v = norm(f.value); return (p) => { const x = get(p); return x !== undefined && x <= v; }; }
    case 'GT': { const v = norm(f.value); return (p) => { const x = get(p); return x !== undefined && x > v; }; }
    case 'GTE': { const v = norm(f.value); return (p) => { const x = get(p); return x !== undefined && x >= v; }; }
    case 'BETWEEN': {
      const lo = norm(f.value);
      const hi = norm(f.highValue);
      return (p) => { const x = get(p); return x !== undefined && x >= lo && x <= hi; };
    }
    case 'IN':
    case 'NOT_IN': {
      if (!Array.isArray(f.values)) throw errors.validation(`${f.operator} requires "values" (an array) on ${name}`);
      const set = new Set(f.values.map(norm));
      const inSet = (p: Props) => { const x = get(p); return x !== undefined && set.has(x); };
      return f.operator === 'IN' ? inSet : (p) => !inSet(p);
    }
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const needle = String(f.value ?? '').toLowerCase();
      let test: (s: string) => boolean;
      if (needle.includes('*')) {
        const re = new RegExp(`^${needle.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        test = (s) => tokens(s).some((t) => re.test(t)) || re.test(s.toLowerCase());
      } else {
        const want = tokens(needle);
        test = (s) => { const have = tokens(s); return want.every((w) => have.includes(w)); };
      }
      return f.operator === 'CONTAINS_TOKEN' ? (p) => test(p[name] ?? '') : (p) => !test(p[name] ?? '');
    }
  }
  throw errors.validation(`Unsupported operator ${f.operator}`);
}

export interface CompiledSearch {
  match: Pred;
  compare: (a: { id: string; p: Props }, b: { id: string; p: Props }) => number;
  limit: number;
  offset: number;
  properties?: string[];
}

/** Validates a search body with HubSpot's limits and turns it into a predicate and a sort. */
export function compileSearch(type: ObjectType, body: SearchBody, defs: Map<string, PropertyDef>): CompiledSearch {
  const groups = body.filterGroups ?? [];
  if (!Array.isArray(groups)) throw errors.validation('filterGroups must be an array');
  if (groups.length > 5) throw errors.validation(`Too many filter groups (${groups.length}); the maximum is 5.`);
  let total = 0;
  for (const g of groups) {
    const n = g.filters?.length ?? 0;
    if (n > 6) throw errors.validation(`Too many filters in a group (${n}); the maximum is 6.`);
    total += n;
  }
  if (total > 18) throw errors.validation(`Too many filters (${total}); the maximum is 18 across all groups.`);
  const limit = body.limit === undefined ? 10 : Number(body.limit);
  if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) {
    throw errors.validation(`limit must be an integer between 0 and ${SEARCH_MAX_LIMIT}; got ${body.limit}`);
  }
  const offset = body.after === undefined || body.after === '' ? 0 : Number(body.after);
  if (!Number.isInteger(offset) || offset < 0) throw errors.validation(`Invalid paging cursor after=${body.after}`);
  if (offset + limit > SEARCH_MAX_RESULTS || offset >= SEARCH_MAX_RESULTS) {
    throw errors.validation(
      `Search can page through at most ${SEARCH_MAX_RESULTS} results; after=${offset} with limit=${limit} goes past it. Narrow the query with filters (for example an hs_object_id range) instead.`,
      { subCategory: 'SEARCH_RESULT_LIMIT_EXCEEDED' },
    );
  }
  if (body.query !== undefined && String(body.query).length > 3000) throw errors.validation('query must be at most 3000 characters');
  const compiled = groups.map((g) => (g.filters ?? []).map((f) => compileFilter(f, defs)));
  const q = body.query ? tokens(String(body.query)) : [];
  const qProps = QUERY_PROPS[type];
  const match: Pred = (p) => {
    if (compiled.length && !compiled.some((fs) => fs.every((fn) => fn(p)))) return false;
    if (q.length) {
      const hay = qProps.flatMap((n) => tokens(p[n] ?? ''));
      if (!q.every((w) => hay.some((h) => h.startsWith(w)))) return false;
    }
    return true;
  };
  const sorts = (body.sorts ?? []).map((s) =>
    typeof s === 'string'
      ? { propertyName: s.replace(/^-/, ''), desc: s.startsWith('-') }
      : { propertyName: s.propertyName, desc: String(s.direction ?? 'ASCENDING').toUpperCase() === 'DESCENDING' },
  );
  if (sorts.length > 1) throw errors.validation('At most one sort is supported.');
  const compare = (a: { id: string; p: Props }, b: { id: string; p: Props }) => {
    for (const s of sorts) {
      const def = defs.get(s.propertyName);
      const numeric = isNumeric(def, s.propertyName);
      const av = a.p[s.propertyName];
      const bv = b.p[s.propertyName];
      let c = 0;
      if (av === undefined && bv !== undefined) c = 1;
      else if (bv === undefined && av !== undefined) c = -1;
      else if (av !== undefined && bv !== undefined) {
        c = numeric ? toNum(def, av) - toNum(def, bv) : av.localeCompare(bv);
      }
      if (c !== 0) return s.desc ? -c : c;
    }
    return Number(a.id) - Number(b.id);
  };
  return { match, compare, limit, offset, properties: body.properties };
}
