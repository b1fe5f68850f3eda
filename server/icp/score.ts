import { catalogProperty, HEADCOUNT_BANDS, HIRING_SIGNALS, REVENUE_BANDS } from '../schema/catalog';
import type { Criterion, IcpDefinition, Tier, TierDefinition } from './icp-definition';

/**
 * ICP fit scoring: pure and deterministic (same definition and values → same scores and
 * words). A tier's score is the weighted mean of its criteria's fit (0–1) × 100. Ordered
 * values earn partial credit one step off target (a 501–1,000 company against a 201–500
 * target fits half); a value the graph lacks fits 0 and is named as unknown.
 */
export type ProfileValues = Record<string, string | number | null | undefined>;

export interface Factor {
  criterion: Criterion;
  fit: number;
  /** Words for the explanation: why it helped ("software") or hurt ("retail, not a target industry"). */
  words: string;
}

export interface TierScore {
  tier: Tier;
  score: number;
  factors: Factor[];
}

export interface FitScores {
  kustiq_score_a: number | null;
  kustiq_score_b: number | null;
  kustiq_score_c: number | null;
  kustiq_icp_fit_score: number;
  kustiq_icp_grade: 'A' | 'B' | 'C' | 'D' | 'F';
  kustiq_icp_explanation: string;
}

/** The property values scoring writes (and, on an ICP change, the only ones rewritten). */
export const FIT_PROPERTIES = ['kustiq_score_a', 'kustiq_score_b', 'kustiq_score_c', 'kustiq_icp_fit_score', 'kustiq_icp_grade', 'kustiq_icp_explanation'] as const;

export function gradeFor(score: number): FitScores['kustiq_icp_grade'] {
  if (score >= 80) return 'A';
  if (score >= 65) return 'B';
  if (score >= 50) return 'C';
  if (score >= 35) return 'D';
  return 'F';
}

function label(field: string, value: string): string {
  const opt = catalogProperty('companies', `kustiq_${field}`)?.options?.find((o) => o.value === value);
  return opt?.label ?? value;
}

const lower = (s: string) => (/^[A-Z][a-z]/.test(s) && !/^[A-Z][a-z]+[A-Z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);
const listOf = (field: string, values: readonly string[]) => values.map((v) => label(field, v)).join('/');

function bandFit(order: readonly string[], value: string, targets: readonly string[]): number {
  const i = order.indexOf(value);
  if (targets.includes(value)) return 1;
  return targets.some((t) => Math.abs(order.indexOf(t) - i) === 1) ? 0.5 : 0;
}

const NOUN: Record<string, string> = {
  industry: 'industry', headcount_band: 'headcount', revenue_band: 'revenue', funding_stage: 'funding stage',
  gtm_motion: 'go-to-market motion', company_type: 'company type', hq_country: 'HQ country', tech_stack: 'tech stack',
  hiring_signal: 'hiring signal', employee_growth_6m: 'headcount growth',
};

function describe(field: string, value: string): string {
  switch (field) {
    case 'headcount_band': return `${label(field, value)} staff`;
    case 'revenue_band': return `${label(field, value)} revenue`;
    case 'hq_country': return `HQ in ${value}`;
    case 'gtm_motion': return lower(label(field, value));
    case 'company_type': return lower(label(field, value));
    case 'funding_stage': return lower(label(field, value));
    default: return lower(label(field, value));
  }
}

export function criterionFit(c: Criterion, values: ProfileValues): Factor {
  const raw = values[c.field];
  const value = raw === null || raw === undefined ? '' : String(raw);
  if (c.field === 'tech_stack') {
    const stack = new Set(value.split(';').map((t) => t.trim()).filter(Boolean));
    const present = c.values.filter((t) => stack.has(t));
    if (c.mode === 'uses_any') {
      return present.length
        ? { criterion: c, fit: 1, words: `uses ${listOf('tech_stack', present)}` }
        : { criterion: c, fit: 0, words: `does not use ${listOf('tech_stack', c.values)}` };
    }
    return present.length
      ? { criterion: c, fit: 0, words: `uses ${listOf('tech_stack', present)}` }
      : { criterion: c, fit: 1, words: `no ${listOf('tech_stack', c.values)}` };
  }
  if (!value) return { criterion: c, fit: 0, words: `${NOUN[c.field]} unknown` };
  switch (c.field) {
    case 'hiring_signal': {
      const have = HIRING_SIGNALS.indexOf(value as (typeof HIRING_SIGNALS)[number]);
      const want = HIRING_SIGNALS.indexOf(c.atLeast);
      const fit = have >= want ? 1 : have === want - 1 ? 0.5 : 0;
      return { criterion: c, fit, words: fit === 1 ? `${value} hiring` : `hiring ${value} (target ${c.atLeast})` };
    }
    case 'employee_growth_6m': {
      const g = Number(value);
      // Within 10 points below the target earns partial credit, linearly.
      const fit = g >= c.atLeast ? 1 : Math.max(0, 1 - (c.atLeast - g) / 10);
      const pct = `${g > 0 ? '+' : ''}${g}%`;
      return { criterion: c, fit: Math.round(fit * 100) / 100, words: fit === 1 ? `${pct} headcount growth` : `headcount growth ${pct} (target ${c.atLeast}%)` };
    }
    case 'headcount_band':
    case 'revenue_band': {
      const fit = bandFit(c.field === 'headcount_band' ? HEADCOUNT_BANDS : REVENUE_BANDS, value, c.values);
      return { criterion: c, fit, words: fit === 1 ? describe(c.field, value) : `${describe(c.field, value)} (${fit ? 'near' : 'outside'} target)` };
    }
    default: {
      const fit = (c.values as readonly string[]).includes(value) ? 1 : 0;
      return { criterion: c, fit, words: fit ? describe(c.field, value) : `${describe(c.field, value)} (not a target ${NOUN[c.field]})` };
    }
  }
}

export function scoreTier(tier: TierDefinition, values: ProfileValues): TierScore {
  const factors = tier.criteria.map((c) => criterionFit(c, values));
  const total = tier.criteria.reduce((s, c) => s + c.weight, 0);
  const got = factors.reduce((s, f) => s + f.fit * f.criterion.weight, 0);
  return { tier: tier.tier, score: Math.round((100 * got) / total), factors };
}

/** One sentence: the factors that moved the score most, for and against. */
export function explain(t: TierScore): string {
  const pro = t.factors.filter((f) => f.fit === 1).sort((a, b) => b.criterion.weight - a.criterion.weight).slice(0, 3);
  const con = t.factors.filter((f) => f.fit < 1).sort((a, b) => (1 - b.fit) * b.criterion.weight - (1 - a.fit) * a.criterion.weight).slice(0, 2);
  const parts = [pro.map((f) => f.words).join(', '), con.map((f) => f.words).join(', ')].filter(Boolean);
  return `Tier ${t.tier} fit ${t.score}${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

/** Scores for every defined tier; null when the workspace has no ICP (nothing is written then). */
export function scoreCompany(icp: IcpDefinition | null, values: ProfileValues): FitScores | null {
  if (!icp || !icp.tiers.length) return null;
  const scored = icp.tiers.map((t) => scoreTier(t, values));
  // The best tier explains the grade; ties go to the earlier tier (A before B before C).
  const best = [...scored].sort((a, b) => b.score - a.score || a.tier.localeCompare(b.tier))[0]!;
  const of = (tier: Tier) => scored.find((s) => s.tier === tier)?.score ?? null;
  return {
    kustiq_score_a: of('A'),
    kustiq_score_b: of('B'),
    kustiq_score_c: of('C'),
    kustiq_icp_fit_score: best.score,
    kustiq_icp_grade: gradeFor(best.score),
    kustiq_icp_explanation: explain(best),
  };
}
