import { fortune500 } from '../server/samples/fortune500';
import { HISTORICAL_NAMES } from '../server/samples/profile-graph';
import { pick, rng } from '../server/samples/random';

/**
 * A labelled set built from the real Fortune 500, the rows a HubSpot portal really holds:
 * domain variants, legal-form and punctuation variants with a domain the graph does not
 * know, former names, free-mail domains, blank domains, and look-alikes that share a
 * word with a real company. `expect` is the profile a correct matcher writes, or null
 * when it must not write at all.
 */
export type Category = 'domain-variant' | 'name-variant' | 'former-name' | 'generic-domain' | 'blank-domain' | 'look-alike';

export interface LabelledRow {
  id: string;
  name: string;
  domain: string;
  category: Category;
  expect: string | null;
  /** A clear case: a careful person would match it without hesitation. */
  clear: boolean;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');
const LEGAL = ['Inc.', 'Inc', ', Inc.', 'Corp.', 'Corporation', 'Co.', 'Company', 'LLC', 'Holdings, Inc.', 'Incorporated'];
const FREE = ['gmail.com', 'hotmail.com', 'yahoo.com', 'outlook.com', 'aol.com', 'icloud.com'];
const LOOKALIKE = ['Dental Partners', 'Consulting Group', 'Plumbing & Heating', 'Family Farms', 'Auto Body', 'Realty', 'Landscaping', 'Cleaning Services', 'Yoga Studio', 'Bakery'];

function domainVariant(r: () => number, d: string): string {
  return pick(r, [d, `https://www.${d}/`, `www.${d}`, d.toUpperCase(), `http://${d}/about-us?utm=x`, `careers.${d}`]);
}

function nameVariant(r: () => number, name: string): string {
  const v = pick(r, [0, 1, 2, 3]);
  if (v === 0) return `${name} ${pick(r, LEGAL)}`.replace(' ,', ',');
  if (v === 1) return name.toUpperCase();
  if (v === 2) return `The ${name}`;
  return `${name.replace(/&/g, 'and').replace(/-/g, ' ')}, ${pick(r, LEGAL)}`;
}

export function labelledSet(seed = 7): LabelledRow[] {
  const r = rng(seed);
  const rows: LabelledRow[] = [];
  for (const [i, c] of fortune500().entries()) {
    const pid = `f500-${i + 1}`;
    const row = (category: Category, name: string, domain: string, expect: string | null, clear: boolean) =>
      rows.push({ id: `${category}-${c.rank}-${rows.length}`, name, domain, category, expect, clear });
    row('domain-variant', nameVariant(r, c.name), domainVariant(r, c.domain), pid, true);
    row('name-variant', nameVariant(r, c.name), `${slug(c.name)}-${pick(r, ['careers', 'investors', 'global', 'group'])}.${pick(r, ['net', 'org', 'co'])}`, pid, true);
    for (const former of HISTORICAL_NAMES[c.name] ?? []) row('former-name', `${former} ${pick(r, LEGAL)}`, `${slug(former)}.com`, pid, true);
    row('generic-domain', nameVariant(r, c.name), pick(r, FREE), null, false);
    row('blank-domain', c.name, '', null, false);
    const first = c.name.split(/[\s-]+/)[0]!;
    row('look-alike', `${first} ${pick(r, LOOKALIKE)}`, `${slug(first)}${slug(pick(r, LOOKALIKE))}${Math.floor(r() * 90 + 10)}.com`, null, false);
  }
  return rows;
}
