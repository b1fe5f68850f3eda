import { normalizeDomain } from './domain';
import { normalizeName, type NormalizedName } from './name';

/**
 * The matcher: pure, no I/O. Domain first; otherwise a name fallback over an index where
 * rare tokens weigh more than common ones (IDF), with a required margin over the
 * runner-up. Confidence below 80 never writes (the seed's floor): such rows wait in review.
 */
export const MATCH_FLOOR = 80;
/** Below this a candidate is not worth a reviewer's time. */
const CANDIDATE_FLOOR = 30;
/** The best name must beat the runner-up by this much similarity, or it is ambiguous. */
const MARGIN = 0.15;

export interface ProfileRef {
  id: string;
  name: string;
  domain: string;
  aliases?: string[];
}

export interface MatchInput {
  id: string;
  name?: string | null;
  domain?: string | null;
}

export type MatchStatus = 'matched' | 'review' | 'unmatched' | 'skipped';

export interface MatchResult {
  id: string;
  status: MatchStatus;
  profileId: string | null;
  confidence: number;
  method: 'domain' | 'name' | null;
  reason: null | 'ERR_MATCH_LOW' | 'ERR_DOMAIN_EMPTY';
  candidates: { profileId: string; confidence: number }[];
}

/**
 * Where token rarity comes from. In memory, the index's own profiles; in the service, the
 * whole graph's document frequencies (profile_token_df) while the index holds only the
 * candidates Postgres found for a batch.
 */
export interface GraphStats {
  total: number;
  df: (token: string) => number;
}

export class MatchIndex {
  readonly ids: string[] = [];
  private readonly names: NormalizedName[][] = [];
  private readonly domains: string[] = [];
  private readonly byDomain = new Map<string, number[]>();
  private readonly byId = new Map<string, number>();
  private readonly byKey = new Map<string, number[]>();
  private readonly postings = new Map<string, number[]>();
  private maxIdf = 1;

  constructor(profiles: Iterable<ProfileRef>, private readonly stats?: GraphStats) {
    for (const p of profiles) this.add(p);
    this.maxIdf = Math.log(1 + Math.max(1, this.total));
  }

  private get total(): number {
    return this.stats?.total ?? this.ids.length;
  }

  get size(): number {
    return this.ids.length;
  }

  private add(p: ProfileRef): void {
    const i = this.ids.length;
    this.ids.push(p.id);
    this.byId.set(p.id, i);
    const d = normalizeDomain(p.domain).domain ?? '';
    this.domains.push(d);
    if (d) push(this.byDomain, d, i);
    const names = [p.name, ...(p.aliases ?? [])].map(normalizeName).filter((n) => n.key);
    this.names.push(names);
    const seen = new Set<string>();
    for (const n of names) {
      push(this.byKey, n.key, i);
      for (const t of n.tokens) if (!seen.has(t)) { seen.add(t); push(this.postings, t, i); }
    }
    this.maxIdf = Math.log(1 + Math.max(1, this.total));
  }

  idf(token: string): number {
    const df = this.stats ? this.stats.df(token) : (this.postings.get(token)?.length ?? 0);
    return df ? Math.log(1 + this.total / df) : this.maxIdf;
  }

  profilesWithDomain(domain: string): number[] {
    return this.byDomain.get(domain) ?? [];
  }

  /** Candidates sharing the query's exact name, or any of its two rarest tokens (plus any a caller found another way). */
  candidates(q: NormalizedName, extra: readonly string[] = []): number[] {
    const out = new Set<number>(this.byKey.get(q.key) ?? []);
    for (const id of extra) {
      const i = this.byId.get(id);
      if (i !== undefined) out.add(i);
    }
    const rare = [...q.tokens].sort((a, b) => this.idf(b) - this.idf(a)).slice(0, 2);
    for (const t of rare) {
      const list = this.postings.get(t);
      // A token on thousands of profiles ("group", "bank") finds nothing useful alone.
      if (list && (this.stats ? this.stats.df(t) : list.length) <= 5000) for (const i of list) out.add(i);
    }
    return [...out];
  }

  /** Name similarity 0–1: the exact core name is 1; otherwise IDF-weighted Dice over tokens. */
  similarity(q: NormalizedName, i: number): number {
    let best = 0;
    const qWeight = q.tokens.reduce((s, t) => s + this.idf(t), 0);
    for (const n of this.names[i]!) {
      if (n.key === q.key) return 1;
      const nt = new Set(n.tokens);
      let common = 0;
      for (const t of q.tokens) if (nt.has(t)) common += this.idf(t);
      const pWeight = n.tokens.reduce((s, t) => s + this.idf(t), 0);
      const dice = qWeight + pWeight ? (2 * common) / (qWeight + pWeight) : 0;
      if (dice > best) best = dice;
    }
    return best;
  }

  profileDomain(i: number): string {
    return this.domains[i]!;
  }

  nameKeys(i: number): string[] {
    return this.names[i]!.map((n) => n.key);
  }

  nameTokens(i: number): string[] {
    return this.names[i]!.flatMap((n) => [n.key.replace(/ /g, ''), ...n.tokens]);
  }
}

/** Character-trigram similarity of two names (as pg_trgm counts them): catches misspellings. */
export function trigramSimilarity(a: string, b: string): number {
  const grams = (s: string) => {
    const out = new Set<string>();
    for (const w of s.split(' ')) {
      const p = `  ${w} `;
      for (let i = 0; i < p.length - 2; i++) out.add(p.slice(i, i + 3));
    }
    return out;
  };
  const ga = grams(a);
  const gb = grams(b);
  let common = 0;
  for (const g of ga) if (gb.has(g)) common++;
  return common / (ga.size + gb.size - common || 1);
}

function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

/** The first label of a registrable domain: "walmart" for walmart.com, "bmw" for bmw.co.uk. */
function domainLabel(domain: string): string {
  return domain.split('.')[0]!.replace(/-/g, '');
}

/** `extraCandidates`: profile ids found outside the index's own lookups (pg_trgm). */
export function matchCompany(index: MatchIndex, input: MatchInput, extraCandidates: readonly string[] = []): MatchResult {
  const base = { id: input.id, profileId: null, confidence: 0, method: null, candidates: [] as MatchResult['candidates'] };
  const d = normalizeDomain(input.domain);
  if (!d.domain && !(input.domain ?? '').trim()) return { ...base, status: 'skipped', reason: 'ERR_DOMAIN_EMPTY' };
  const q = normalizeName(input.name);

  // Domain first: a domain the graph knows is near-certain, even one that free-mail lists
  // also carry (yahoo.com is Yahoo's company domain too).
  if (d.domain) {
    const hits = index.profilesWithDomain(d.domain);
    if (hits.length) {
      const scored = hits.map((i) => ({ i, sim: q.key ? index.similarity(q, i) : 0 })).sort((a, b) => b.sim - a.sim);
      const [best, second] = scored;
      // Several profiles on one domain (subsidiaries) need the name to tell them apart.
      const ambiguous = second !== undefined && best!.sim - second.sim < MARGIN;
      const confidence = ambiguous ? Math.min(79, Math.round(60 + 30 * best!.sim)) : q.key && best!.sim < 0.2 ? 90 : 99;
      const candidates = scored.slice(0, 3).map((s, k) => ({ profileId: index.ids[s.i]!, confidence: k === 0 ? confidence : Math.min(confidence, Math.round(60 + 30 * s.sim)) }));
      return finish(input.id, index.ids[best!.i]!, confidence, 'domain', candidates);
    }
  }

  // Name fallback (a generic domain, or a domain the graph does not know).
  if (!q.key) return { ...base, status: 'unmatched', reason: 'ERR_MATCH_LOW' };
  const bySim = index.candidates(q, extraCandidates).map((i) => ({ i, sim: index.similarity(q, i), fuzzy: false }));
  // Only when no candidate shares the name's words does spelling get a say (misspellings):
  // it can earn a place in review, never a match.
  if (!bySim.some((c) => c.sim >= 0.5)) {
    for (const c of bySim) {
      const spelled = Math.min(0.75, Math.max(...index.nameKeys(c.i).map((k) => trigramSimilarity(q.key, k))));
      if (spelled > c.sim) Object.assign(c, { sim: spelled, fuzzy: true });
    }
  }
  const scored = bySim.sort((a, b) => b.sim - a.sim).slice(0, 5);
  if (!scored.length) return { ...base, status: 'unmatched', reason: 'ERR_MATCH_LOW' };
  const label = d.domain && !d.generic ? domainLabel(d.domain) : null;
  const conf = (s: { i: number; sim: number; fuzzy: boolean }, runnerUp: number | undefined) => {
    let c = s.sim === 1 ? 95 : Math.round(100 * s.sim) - 5;
    if (label) {
      // The row's own domain either agrees with the name ("facebook.com" for Facebook) or is evidence against.
      c += index.nameTokens(s.i).includes(label) ? 5 : -10;
    }
    if (runnerUp !== undefined && s.sim - runnerUp < MARGIN) c = Math.min(c, 79);
    if (s.fuzzy) c = Math.min(c, 79);
    // The seed's rule: a free-mail or generic domain never carries a match past the floor.
    if (d.generic) c = Math.min(c, 79);
    return Math.max(0, Math.min(99, c));
  };
  const candidates = scored.slice(0, 3).map((s, k) => ({ profileId: index.ids[s.i]!, confidence: conf(s, k === 0 ? scored[1]?.sim : undefined) }));
  const best = candidates[0]!;
  return finish(input.id, best.profileId, best.confidence, 'name', candidates);
}

function finish(id: string, profileId: string, confidence: number, method: 'domain' | 'name', candidates: MatchResult['candidates']): MatchResult {
  if (confidence >= MATCH_FLOOR) return { id, status: 'matched', profileId, confidence, method, reason: null, candidates };
  if (confidence >= CANDIDATE_FLOOR) return { id, status: 'review', profileId, confidence, method, reason: 'ERR_MATCH_LOW', candidates };
  return { id, status: 'unmatched', profileId: null, confidence, method, reason: 'ERR_MATCH_LOW', candidates };
}
