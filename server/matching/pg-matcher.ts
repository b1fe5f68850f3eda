import type { Knex } from 'knex';
import { normalizeDomain } from './domain';
import { MatchIndex, matchCompany, type MatchInput, type MatchResult, type ProfileRef } from './matcher';
import { normalizeName } from './name';

/**
 * The matcher against the profile graph in Postgres. For a batch of companies it fetches
 * only what the scoring needs: profiles on the batch's domains; name candidates by exact
 * name, then by each name's rarest tokens, then (for misspelt or all-common names) by the
 * pg_trgm index on profile_names; and the graph-wide token frequencies. The scoring is
 * the same pure matchCompany the offline command uses.
 */
const TRIGRAM_CANDIDATES = 8;
/** A token on more profiles than this says too little to find candidates by. */
const RARE_TOKEN_MAX_DF = 500;

interface ProfileRow { id: string; name: string; domain: string; aliases: string[] }

export async function graphSize(knex: Knex): Promise<number> {
  const { rows } = await knex.raw(`SELECT reltuples::bigint AS estimate FROM pg_class WHERE relname = 'profiles'`);
  const estimate = Number(rows[0]?.estimate ?? 0);
  // The planner's estimate is free; count exactly only while the graph is small (or unanalysed).
  if (estimate > 100_000) return estimate;
  return Number((await knex('profiles').count<{ count: string }[]>('* as count'))[0]!.count);
}

export async function matchBatchInPostgres(knex: Knex, companies: MatchInput[], total?: number): Promise<MatchResult[]> {
  const prepared = companies.map((c) => ({ c, d: normalizeDomain(c.domain), q: normalizeName(c.name) }));
  const domains = [...new Set(prepared.map((x) => x.d.domain).filter((d): d is string => !!d))];
  // Lists go as one array parameter (= ANY): a batch can name more values than a statement may bind.
  const byDomain: ProfileRow[] = domains.length ? await knex('profiles').whereRaw('domain = ANY(?::text[])', [domains]).select('id', 'name', 'domain', 'aliases') : [];
  const known = new Set(byDomain.map((p) => p.domain));
  // Name fallback only where the domain does not settle it (blank domains are skipped).
  const keys = [...new Set(prepared.filter((x) => x.q.key && x.d.domain && !known.has(x.d.domain)).map((x) => x.q.key))];
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
      const viaTrigram: string[] = [];
      for (const k of fuzzy) {
        const usable = normalizeName(k).tokens.filter((t) => (tokenDf.get(t) ?? 0) > 0 && tokenDf.get(t)! <= RARE_TOKEN_MAX_DF)
          .sort((a, b) => tokenDf.get(a)! - tokenDf.get(b)!).slice(0, 2);
        if (usable.length) usable.forEach((t) => rare.add(t));
        else viaTrigram.push(k); // misspelt or all-common names: pg_trgm
      }
      if (rare.size) {
        const { rows } = await knex.raw(
          `SELECT DISTINCT p.id, p.name, p.domain, p.aliases
             FROM unnest(?::text[]) AS q(token)
             CROSS JOIN LATERAL (SELECT t.profile_id FROM profile_name_tokens t WHERE t.token = q.token LIMIT ${RARE_TOKEN_MAX_DF}) c
             JOIN profiles p ON p.id = c.profile_id`,
          [[...rare]],
        );
        byName = byName.concat(rows);
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
