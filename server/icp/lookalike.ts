import { HIRING_SIGNALS } from '../schema/catalog';
import { IcpDefinition, type Criterion, type OneOfField, type Tier, type TierDefinition } from './icp-definition';
import type { ProfileValues } from './score';

/**
 * Lookalike mode: a tier's criteria derived from the profiles of a customer's best
 * customers. Pure. A field becomes a criterion only when the customers concentrate on a
 * few values (the values that cover most of them); its weight grows with how many
 * customers those values cover. The result is shown to the user before anything is saved.
 */
export interface LookalikeResult {
  tier: TierDefinition;
  /** Why each criterion is there: "8 of 10 customers are software or internet". */
  basis: { field: string; share: number; note: string }[];
  customers: number;
}

/** The values covering at least this share of the customers (at most MAX_VALUES of them) make a criterion. */
const MIN_SHARE = 0.6;
const MAX_VALUES = 4;
const FIELDS: (OneOfField | 'hq_country')[] = ['industry', 'headcount_band', 'revenue_band', 'funding_stage', 'gtm_motion', 'hq_country'];

const weightFor = (share: number) => Math.max(1, Math.min(10, Math.round(share * 10)));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function deriveTier(tier: Tier, customers: ProfileValues[], name?: string): LookalikeResult {
  const n = customers.length;
  if (n < 3) throw new RangeError(`lookalike mode needs at least 3 customers found in the profile graph (found ${n})`);
  const criteria: Criterion[] = [];
  const basis: LookalikeResult['basis'] = [];
  for (const field of FIELDS) {
    const counts = new Map<string, number>();
    for (const c of customers) {
      const v = c[field];
      if (v !== null && v !== undefined && v !== '') counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const picked: string[] = [];
    let covered = 0;
    for (const [v, k] of ranked) {
      if (picked.length === MAX_VALUES || covered / n >= 0.8) break;
      // A value one customer has is an anecdote, not a pattern.
      if (k < 2) break;
      picked.push(v);
      covered += k;
    }
    const share = covered / n;
    if (!picked.length || share < MIN_SHARE) continue;
    criteria.push({ field, values: picked, weight: weightFor(share) } as Criterion);
    basis.push({ field, share: Math.round(share * 100) / 100, note: `${covered} of ${n} customers: ${picked.join(', ')}` });
  }
  // Technologies most of them use.
  const tech = new Map<string, number>();
  for (const c of customers) for (const t of new Set(String(c.tech_stack ?? '').split(';').filter(Boolean))) tech.set(t, (tech.get(t) ?? 0) + 1);
  const common = [...tech].filter(([, k]) => k / n >= 0.5).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
  if (common.length) {
    const share = common[0]![1] / n;
    criteria.push({ field: 'tech_stack', mode: 'uses_any', values: common.map(([t]) => t), weight: weightFor(share) });
    basis.push({ field: 'tech_stack', share: Math.round(share * 100) / 100, note: common.map(([t, k]) => `${t} (${k} of ${n})`).join(', ') });
  }
  // Hiring and growth: the level three in four of them reach.
  const levels = customers.map((c) => HIRING_SIGNALS.indexOf(String(c.hiring_signal ?? '') as (typeof HIRING_SIGNALS)[number])).filter((i) => i >= 0).sort((a, b) => a - b);
  if (levels.length >= n * MIN_SHARE) {
    const floor = percentile(levels, 0.25);
    if (floor > 0) {
      criteria.push({ field: 'hiring_signal', atLeast: HIRING_SIGNALS[floor]!, weight: 3 });
      basis.push({ field: 'hiring_signal', share: 0.75, note: `three in four hire at "${HIRING_SIGNALS[floor]}" or more` });
    }
  }
  const growth = customers.map((c) => Number(c.employee_growth_6m)).filter((g) => Number.isFinite(g) && String(g) !== '').sort((a, b) => a - b);
  if (growth.length >= n * MIN_SHARE) {
    const floor = Math.floor(percentile(growth, 0.25));
    if (floor > 0) {
      criteria.push({ field: 'employee_growth_6m', atLeast: floor, weight: 3 });
      basis.push({ field: 'employee_growth_6m', share: 0.75, note: `three in four grew headcount ${floor}% or more in 6 months` });
    }
  }
  if (!criteria.length) throw new RangeError(`these ${n} customers share no pattern strong enough to score by (no value covers ${MIN_SHARE * 100}% of them)`);
  const def: TierDefinition = { tier, ...(name ? { name } : {}), criteria };
  // Whatever we derive must be a definition a person could have typed.
  IcpDefinition.parse({ tiers: [def] });
  return { tier: def, basis, customers: n };
}
