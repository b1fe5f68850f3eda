import type { Knex } from 'knex';
import { normalizeDomain } from './domain';
import { MatchIndex, matchCompany, type MatchInput, type MatchResult, type ProfileRef } from './matcher';
import { normalizeName } from './name';

/**
 * The matcher against the profile graph in Postgres. For a batch of companies it fetches
 * only what the scoring needs: profiles on the batch's domains; name candidates by exact
 * name, then by each name's rarest tokens, or for a name of common words only by the
 * profiles carrying both of its two rarest (an index intersection), and only for names
 * with nothing else to go on (misspellings) by pg_trgm nearest neighbours on
 * profile_names, the one expensive lookup (about a second a name at a million profiles); and the graph-wide token frequencies. The scoring is
 * the same pure matchCompany the offline command uses.
 */
const TRIGRAM_CANDIDATES = 8;
/** A token on more profiles than this says too little to find candidates by. */
const RARE_TOKEN_MAX_DF = 500;
/** Profiles fetched for a name made only of common words (both of its two rarest). */
const CANDIDATES_PER_PAIR = 500;

interface ProfileRow { id: string; name: string; domain: string; aliases: string[] }

export async function graphSize(knex: Knex): Promise<number> {
  const { rows } = await knex.raw(`SELECT reltuples::bigint AS estimate FROM pg_class WHERE relname = 'profiles'`);
  const estimate = Number(rows[0]?.estimate ?? 0);
  // The planner's estimate is free; count exactly only while the graph is small (or unanalysed).
  if (estimate > 100_000) return estimate;
  return Number((await knex('profiles').count<{ count: string }[]>('* as count'))[0]!.count);
}

export interface PgMatchOptions {
  /** Tokens on more profiles than this are "common" (tests lower it to reach the common-word path on a small graph). */
  rareTokenMaxDf?: number;
}

export async function matchBatchInPostgres(knex: Knex, companies: MatchInput[], total?: number, opts: PgMatchOptions = {}): Promise<MatchResult[]> {
  const rareMax = opts.rareTokenMaxDf ?? RARE_TOKEN_MAX_DF;
  const prepared = companies.map((c) => ({ c, d: normalizeDomain(c.domain), q: normalizeName(c.name) }));
  const domains = [...new Set(prepared.map((x) => x.d.domain).filter((d): d is string => !!d))];
  // Lists go as one array parameter (= ANY): a batch can name more values than a statement may bind.
  const byDomain: ProfileRow[] = domains.length ? await knex('profiles').whereRaw('domain = ANY(?::text[])', [domains]).select('id', 'name', 'domain', 'aliases') : [];
  const known = new Set(byDomain.map((p) => p.domain));
  // Name fallback only where the domain does not settle it (blank domains are skipped).
  // A domain that does not parse ("n/a") is not blank: its name still gets candidates, as offline.
  const keys = [...new Set(prepared.filter((x) => x.q.key && (x.c.domain ?? '').trim() && !(x.d.domain && known.has(x.d.domain))).map((x) => x.q.key))];
  let byName: ProfileRow[] = [];
  const trigramHits = new Map<string, string[]>();
  if (keys.length) {
    // Exact names (and former names) first: a B-tree lookup. Only names nobody in the
    // graph carries exactly go to the trigram search, the expensive part.
    const { rows: exact } = await knex.raw(
      `SELECT n.key, p.id, p.name, p.domain, p.aliases FROM profile_names n JOIN profiles p ON p.id = n.profile_id WHERE n.key = ANY(?::text[])`,
      [keys],
    );
    byName = exact;
    const found = new Set((exact as { key: string }[]).map((r) => r.key));
    const fuzzy = keys.filter((k) => !found.has(k));
    if (fuzzy.length) {
      // Fast path: the profiles sharing each name's two rarest tokens (B-tree lookups).
      const queryTokens = [...new Set(fuzzy.flatMap((k) => normalizeName(k).tokens))];
      const dfRows: { token: string; df: number }[] = await knex('profile_token_df').whereRaw('token = ANY(?::text[])', [queryTokens]).select('token', 'df');
      const tokenDf = new Map(dfRows.map((r) => [r.token, r.df]));
      const rare = new Set<string>();
      const pairs = new Map<string, [string, string]>();
      const viaTrigram: string[] = [];
      for (const k of fuzzy) {
        const known = normalizeName(k).tokens.filter((t) => (tokenDf.get(t) ?? 0) > 0).sort((a, b) => tokenDf.get(a)! - tokenDf.get(b)!);
        const usable = known.filter((t) => tokenDf.get(t)! <= rareMax).slice(0, 2);
        if (usable.length) usable.forEach((t) => rare.add(t));
        // Only common words ("Northwind Labs Europe"): the profiles carrying both of the
        // two rarest, an index intersection rather than a scan.
        else if (known.length >= 2) pairs.set(k, [known[0]!, known[1]!]);
        // A word the graph has never seen and nothing else to go on: a misspelling, pg_trgm.
        else viaTrigram.push(k);
      }
      if (rare.size) {
        const { rows } = await knex.raw(
          `SELECT DISTINCT p.id, p.name, p.domain, p.aliases
             FROM unnest(?::text[]) AS q(token)
             CROSS JOIN LATERAL (SELECT t.profile_id FROM profile_name_tokens t WHERE t.token = q.token LIMIT ${Math.trunc(rareMax)}) c
             JOIN profiles p ON p.id = c.profile_id`,
          [[...rare]],
        );
        byName = byName.concat(rows);
      }
      if (pairs.size) {
        const list = [...pairs.values()];
        const { rows } = await knex.raw(
          `SELECT DISTINCT q.key AS qkey, p.id, p.name, p.domain, p.aliases
             FROM unnest(?::text[], ?::text[], ?::text[]) AS q(key, a, b)
             CROSS JOIN LATERAL (
               SELECT t1.profile_id FROM profile_name_tokens t1
                 JOIN profile_name_tokens t2 ON t2.token = q.b AND t2.profile_id = t1.profile_id
                WHERE t1.token = q.a LIMIT ${CANDIDATES_PER_PAIR}
             ) c
             JOIN profiles p ON p.id = c.profile_id`,
          [[...pairs.keys()], list.map((x) => x[0]), list.map((x) => x[1])],
        );
        byName = byName.concat(rows);
        // No profile carries both words: leave it to spelling similarity.
        const hit = new Set((rows as { qkey: string }[]).map((r) => r.qkey));
        for (const k of pairs.keys()) if (!hit.has(k)) viaTrigram.push(k);
      }
      if (viaTrigram.length) {
        const { rows } = await knex.raw(
          `SELECT DISTINCT q.key AS qkey, p.id, p.name, p.domain, p.aliases
             FROM unnest(?::text[]) AS q(key)
             CROSS JOIN LATERAL (
               SELECT n.profile_id FROM profile_names n ORDER BY n.key <-> q.key LIMIT ${TRIGRAM_CANDIDATES}
             ) c
             JOIN profiles p ON p.id = c.profile_id`,
          [viaTrigram],
        );
        for (const r of rows as { qkey: string; id: string }[]) trigramHits.set(r.qkey, [...(trigramHits.get(r.qkey) ?? []), r.id]);
        byName = byName.concat(rows);
      }
    }
  }
  const profiles = new Map<string, ProfileRef>();
  for (const p of [...byDomain, ...byName]) profiles.set(p.id, { id: p.id, name: p.name, domain: p.domain, aliases: p.aliases });
  const tokens = new Set<string>();
  for (const x of prepared) for (const t of x.q.tokens) tokens.add(t);
  for (const p of profiles.values()) for (const n of [p.name, ...(p.aliases ?? [])]) for (const t of normalizeName(n).tokens) tokens.add(t);
  const dfRows: { token: string; df: number }[] = tokens.size ? await knex('profile_token_df').whereRaw('token = ANY(?::text[])', [[...tokens]]).select('token', 'df') : [];
  const df = new Map(dfRows.map((r) => [r.token, r.df]));
  const index = new MatchIndex(profiles.values(), { total: total ?? (await graphSize(knex)), df: (t) => df.get(t) ?? 0 });
  return prepared.map(({ c, q }) => matchCompany(index, c, trigramHits.get(q.key)));
}
