import { MatchIndex, matchCompany, type MatchResult } from '../server/matching/matcher';
import { sampleProfiles } from '../server/samples/profile-graph';
import { generatedCompany } from '../server/samples/generated-companies';
import { labelledSet, type Category } from './match-labels';
import { benchMatchPostgres } from './match-postgres';

/**
 * `kustiq bench match`: accuracy on the labelled set (precision of `matched` ≥ 99.5%, at
 * least 97% of the clear cases matched) and the offline matcher's speed (10,000 companies
 * against 100,000 profiles in ≤ 10 s) and the service's (100,000 HubSpot companies
 * against a 1,000,000-profile graph in Postgres in ≤ 60 s; BENCH_MATCH_PROFILES and
 * BENCH_MATCH_COMPANIES shrink it for a quick look).
 */
function toRefs(count: number) {
  return [...sampleProfiles(count)].map((p) => ({ id: String(p.id), name: String(p.name), domain: String(p.domain), aliases: String(p.aliases ?? '').split(';').filter(Boolean) }));
}

export async function benchMatch() {
  // Accuracy: the Fortune 500 among 20,000 generated profiles as distractors.
  const graph = new MatchIndex(toRefs(20_500));
  const rows = labelledSet();
  const byCategory: Record<string, { rows: number; matched: number; correct: number; wrong: number }> = {};
  let matched = 0;
  let correct = 0;
  let clear = 0;
  let clearMatched = 0;
  const mistakes: { row: unknown; result: MatchResult }[] = [];
  for (const row of rows) {
    const res = matchCompany(graph, row);
    const c = (byCategory[row.category] ??= { rows: 0, matched: 0, correct: 0, wrong: 0 });
    c.rows++;
    if (row.clear) clear++;
    if (res.status === 'matched') {
      matched++;
      c.matched++;
      if (res.profileId === row.expect) { correct++; c.correct++; if (row.clear) clearMatched++; }
      else { c.wrong++; if (mistakes.length < 10) mistakes.push({ row, result: res }); }
    }
  }
  const precision = matched ? correct / matched : 1;
  const recallClear = clear ? clearMatched / clear : 1;

  // Speed: 10,000 companies (real and generated, messy domains, some by name only) against 100,000 profiles.
  const refs = toRefs(100_000);
  const t0 = performance.now();
  const big = new MatchIndex(refs);
  const indexMs = performance.now() - t0;
  const companies = Array.from({ length: 10_000 }, (_, i) => {
    const g = generatedCompany((i * 7919) % 99_000);
    const kind = i % 4;
    return { id: String(i), name: g.name, domain: kind === 0 ? `https://www.${g.domain}/` : kind === 1 ? 'gmail.com' : kind === 2 ? `${g.domain.split('.')[0]}-corp.net` : g.domain };
  });
  const t1 = performance.now();
  const tally: Record<string, number> = {};
  for (const c of companies) {
    const r = matchCompany(big, c);
    tally[r.status] = (tally[r.status] ?? 0) + 1;
  }
  const matchMs = performance.now() - t1;
  const offlineMs = indexMs + matchMs;

  const postgres = await benchMatchPostgres({
    profiles: Number(process.env.BENCH_MATCH_PROFILES ?? 1_000_000),
    companies: Number(process.env.BENCH_MATCH_COMPANIES ?? 100_000),
  });
  const accuracyPass = precision >= 0.995 && recallClear >= 0.97;
  const speedPass = offlineMs <= 10_000;
  return {
    name: 'match',
    accuracy: {
      rows: rows.length, profiles: graph.size, matched, precision: Math.round(precision * 10000) / 100, clearCases: clear,
      clearMatchedPct: Math.round(recallClear * 10000) / 100, goals: { precisionPct: 99.5, clearMatchedPct: 97 }, pass: accuracyPass,
      byCategory: byCategory as Record<Category, unknown>, mistakes,
    },
    offline: { profiles: 100_000, companies: 10_000, indexMs: Math.round(indexMs), matchMs: Math.round(matchMs), totalMs: Math.round(offlineMs), goalMs: 10_000, statuses: tally, pass: speedPass },
    postgres,
    pass: accuracyPass && speedPass && postgres.pass,
  };
}
