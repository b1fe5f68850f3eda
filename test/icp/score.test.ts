import { describe, expect, it } from 'vitest';
import { IcpDefinition, icpProblems } from '../../server/icp/icp-definition';
import { deriveTier } from '../../server/icp/lookalike';
import { gradeFor, scoreCompany } from '../../server/icp/score';

const icp = IcpDefinition.parse({
  tiers: [
    { tier: 'A', name: 'Mid-market SaaS', criteria: [
      { field: 'industry', values: ['software', 'internet'], weight: 5 },
      { field: 'headcount_band', values: ['201_500'], weight: 3 },
      { field: 'tech_stack', mode: 'uses_any', values: ['hubspot'], weight: 3 },
      { field: 'funding_stage', values: ['series_b', 'series_c'], weight: 2 },
    ] },
    { tier: 'B', criteria: [
      { field: 'hq_country', values: ['DE', 'FR'], weight: 4 },
      { field: 'hiring_signal', atLeast: 'high', weight: 2 },
      { field: 'tech_stack', mode: 'uses_none', values: ['salesforce'], weight: 2 },
    ] },
  ],
});

const saas = { industry: 'software', headcount_band: '201_500', tech_stack: 'aws;hubspot', funding_stage: 'seed', hq_country: 'US', hiring_signal: 'low' };

describe('ICP fit scores', () => {
  it('scores each tier, keeps the best, grades it and says why in one sentence', () => {
    const s = scoreCompany(icp, saas)!;
    // 5 + 3 + 3 of 13 points for tier A.
    expect(s.kustiq_score_a).toBe(85);
    expect(s.kustiq_score_b).toBe(25);
    expect(s.kustiq_score_c).toBeNull();
    expect(s.kustiq_icp_fit_score).toBe(85);
    expect(s.kustiq_icp_grade).toBe('A');
    expect(s.kustiq_icp_explanation).toBe('Tier A fit 85: software, 201–500 staff, uses HubSpot; seed (not a target funding stage)');
  });

  it('names what counts against a poor fit', () => {
    const s = scoreCompany(icp, { industry: 'retail', headcount_band: '10001_plus', tech_stack: 'salesforce', hq_country: 'US', hiring_signal: 'none' })!;
    expect(s.kustiq_icp_grade).toBe('F');
    expect(s.kustiq_icp_explanation).toBe('Tier A fit 0: retail (not a target industry), 10,001+ staff (outside target)');
  });

  it('gives partial credit one step off an ordered target, and none for unknown values', () => {
    const near = scoreCompany(icp, { ...saas, headcount_band: '501_1000' })!;
    const far = scoreCompany(icp, { ...saas, headcount_band: '10001_plus' })!;
    const unknown = scoreCompany(icp, { ...saas, headcount_band: undefined })!;
    expect(near.kustiq_score_a).toBeGreaterThan(far.kustiq_score_a!);
    expect(far.kustiq_score_a).toBe(unknown.kustiq_score_a);
    expect(unknown.kustiq_icp_explanation).toContain('headcount unknown');
  });

  it('is deterministic', () => {
    const runs = new Set(Array.from({ length: 20 }, () => JSON.stringify(scoreCompany(icp, saas))));
    expect(runs.size).toBe(1);
  });

  it('writes nothing without an ICP', () => {
    expect(scoreCompany(null, saas)).toBeNull();
    expect(scoreCompany({ tiers: [] }, saas)).toBeNull();
  });

  it('grades on the documented thresholds', () => {
    expect([100, 80, 79, 65, 64, 50, 49, 35, 34, 0].map(gradeFor)).toEqual(['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F']);
  });
});

describe('ICP validation', () => {
  it('names every bad field', () => {
    const r = IcpDefinition.safeParse({ tiers: [
      { tier: 'A', criteria: [{ field: 'industry', values: ['softwar'], weight: 11 }, { field: 'hq_country', values: ['Germany'], weight: 2 }] },
      { tier: 'A', criteria: [] },
      { tier: 'D', criteria: [{ field: 'industry', values: ['software'], weight: 1 }] },
    ] });
    expect(r.success).toBe(false);
    const problems = icpProblems(r.error!);
    expect(problems).toEqual(expect.arrayContaining([
      { field: 'tiers.0.criteria.0.values.0', problem: expect.stringContaining('"softwar" is not a industry value') },
      { field: 'tiers.0.criteria.0.weight', problem: 'weight must be 1–10' },
      { field: 'tiers.0.criteria.1.values.0', problem: expect.stringContaining('ISO 3166-1 alpha-2') },
      { field: 'tiers.1.criteria', problem: 'a tier needs at least one criterion' },
      { field: 'tiers.2.tier', problem: expect.any(String) },
    ]));
  });

  it('refuses a tier defined twice and a criterion repeated in a tier', () => {
    const r = IcpDefinition.safeParse({ tiers: [
      { tier: 'A', criteria: [{ field: 'industry', values: ['software'], weight: 1 }, { field: 'industry', values: ['retail'], weight: 1 }] },
      { tier: 'A', criteria: [{ field: 'tech_stack', mode: 'uses_any', values: ['hubspot'], weight: 1 }, { field: 'tech_stack', mode: 'uses_none', values: ['salesforce'], weight: 1 }] },
    ] });
    expect(icpProblems(r.error!).map((p) => p.problem)).toEqual(['industry appears twice in tier A', 'tier A is defined twice']);
  });
});

describe('lookalike mode', () => {
  const customer = (over: Record<string, string>) => ({ industry: 'software', headcount_band: '201_500', hq_country: 'US', tech_stack: 'hubspot;aws', hiring_signal: 'high', employee_growth_6m: '12', funding_stage: 'series_b', ...over });

  it('derives criteria from what the best customers share, and they then score well', () => {
    const customers = [
      customer({}), customer({ headcount_band: '51_200' }), customer({ industry: 'internet' }), customer({ hq_country: 'DE', industry: 'internet' }),
      customer({ tech_stack: 'hubspot', funding_stage: 'series_c' }), customer({ industry: 'retail', hiring_signal: 'moderate', employee_growth_6m: '-2' }),
    ];
    const r = deriveTier('A', customers);
    const fields = r.tier.criteria.map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['industry', 'headcount_band', 'hq_country', 'tech_stack']));
    expect(r.tier.criteria.find((c) => c.field === 'industry')).toMatchObject({ values: ['software', 'internet'] });
    expect(r.tier.criteria.find((c) => c.field === 'tech_stack')).toMatchObject({ mode: 'uses_any', values: expect.arrayContaining(['hubspot']) });
    // Nothing one customer alone has becomes a target.
    expect(JSON.stringify(r.tier)).not.toContain('retail');
    expect(r.basis.find((b) => b.field === 'industry')!.note).toBe('5 of 6 customers: software, internet');
    const def = IcpDefinition.parse({ tiers: [r.tier] });
    expect(scoreCompany(def, customer({}))!.kustiq_icp_grade).toBe('A');
    expect(scoreCompany(def, { industry: 'retail', headcount_band: '10001_plus', hq_country: 'BR', tech_stack: '' })!.kustiq_icp_grade).toBe('F');
  });

  it('refuses to invent a pattern from too few or too different customers', () => {
    expect(() => deriveTier('A', [customer({}), customer({})])).toThrow(/at least 3 customers/);
    const scattered = ['software', 'retail', 'energy_utilities', 'education'].map((industry, i) => ({ industry, headcount_band: ['1_10', '201_500', '5001_10000', '51_200'][i]! }));
    expect(() => deriveTier('B', scattered)).toThrow(/no pattern/);
  });
});
