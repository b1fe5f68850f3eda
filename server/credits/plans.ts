/**
 * The plans (shared/spec/troubleshooting.md, from the seed): Free — 3 profiles a week;
 * Insight — 200 credits a month; Pro — 800 a month. Periods are calendar periods in UTC
 * (weeks start Monday 00:00 UTC, months on the 1st), so everyone can tell when credits
 * return. Pure: values in, values out.
 */
export type Plan = 'free' | 'insight' | 'pro';
export type PeriodUnit = 'week' | 'month';

export const PLANS: Record<Plan, { credits: number; period: PeriodUnit; label: string }> = {
  free: { credits: 3, period: 'week', label: 'Free' },
  insight: { credits: 200, period: 'month', label: 'Insight' },
  pro: { credits: 800, period: 'month', label: 'Pro' },
};

export interface Period { start: Date; end: Date }

/** The period of `plan` holding `at`. */
export function periodOf(plan: Plan, at: Date): Period {
  if (PLANS[plan].period === 'month') {
    const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
    return { start, end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)) };
  }
  const day = (at.getUTCDay() + 6) % 7; // Monday = 0
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - day));
  return { start, end: new Date(start.getTime() + 7 * 86_400_000) };
}

/** "3 profiles a week", "800 credits a month". */
export function allowanceText(plan: Plan): string {
  const p = PLANS[plan];
  return `${p.credits} ${plan === 'free' ? 'profiles' : 'credits'} a ${p.period}`;
}
