import { createRequire } from 'node:module';

// cleanco ships its legal-form lists as CommonJS data without types.
const data = createRequire(import.meta.url)('cleanco/data.js') as { terms_by_type: Record<string, string[]>; terms_by_country: Record<string, string[]> };

/**
 * Company-name normalisation: Unicode (NFKD, accents dropped), case, punctuation, `&`/`and`,
 * a leading "The", and legal forms across languages (Inc, Corp, LLC, Ltd, GmbH, AG, SA,
 * SAS, BV, NV, Oy, AB, KK, ...) from the cleanco package's list, not a hand list.
 */
const raw = [
  ...Object.values(data.terms_by_type).flat(),
  ...Object.values(data.terms_by_country).flat(),
  // Forms cleanco lacks that real rows carry.
  'kk', 'k.k.', 'kabushiki kaisha', 'holdings', 'holding', 'group', 'plc', 'limited', 'llc', 'l.l.c.', 'lp', 'llp', 'sas', 's.a.s.', 'se', 'co',
];

export function fold(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function wordsOf(s: string): string[] {
  return fold(s)
    .replace(/(\w)&(\w)/g, '$1$2') // AT&T → att, P&G → pg
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

/** Legal forms as word sequences ("gmbh and co kg", "s a", "inc"), longest first. */
const LEGAL_FORMS: string[][] = [...new Set(raw.map((t) => wordsOf(t).join(' ')).filter(Boolean))]
  .map((t) => t.split(' '))
  .sort((a, b) => b.length - a.length);

/** Legal forms by their last word, so stripping looks at a handful instead of hundreds. */
const FORMS_BY_LAST = new Map<string, string[][]>();
for (const f of LEGAL_FORMS) {
  const last = f[f.length - 1]!;
  FORMS_BY_LAST.set(last, [...(FORMS_BY_LAST.get(last) ?? []), f]);
}

/** Words that say nothing about which company it is. */
export const STOP_WORDS: readonly string[] = ['the', 'and', 'of', 'de', 'la', 'le', 'der', 'die', 'das', 'et', 'und', 'y'];
const STOP = new Set(STOP_WORDS);

function stripTrailingForms(words: string[]): string[] {
  const w = [...words];
  // Legal forms sit at the end (sometimes several: "Holdings Inc"); keep at least one word.
  for (let changed = true; changed && w.length > 1; ) {
    changed = false;
    for (const form of FORMS_BY_LAST.get(w[w.length - 1]!) ?? []) {
      if (form.length < w.length && form.every((f, i) => w[w.length - form.length + i] === f)) {
        w.splice(w.length - form.length, form.length);
        changed = true;
        break;
      }
    }
  }
  return w;
}

export interface NormalizedName {
  /** The name's core: words without legal forms, joined by single spaces. */
  key: string;
  /** Distinct informative tokens for the index and scoring. */
  tokens: string[];
}

export function normalizeName(rawName: string | null | undefined): NormalizedName {
  let words = wordsOf(rawName ?? '');
  if (words[0] === 'the' && words.length > 1) words = words.slice(1);
  words = stripTrailingForms(words);
  // Single letters from dotted abbreviations join up: "A. O. Smith" → "ao smith".
  const joined: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.length === 1 && i > 0 && words[i - 1]!.length === 1) joined[joined.length - 1] += w;
    else joined.push(w);
  }
  const key = joined.join(' ');
  const tokens = [...new Set(joined.filter((w) => !STOP.has(w)))];
  return { key, tokens: tokens.length ? tokens : joined };
}
