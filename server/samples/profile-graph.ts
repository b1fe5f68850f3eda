import { FUNDING_STAGES, GTM_MOTIONS, HIRING_DEPARTMENTS, HIRING_SIGNALS, TECHNOLOGIES } from '../schema/catalog';
import { fortune500 } from './fortune500';
import { generatedCompany } from './generated-companies';
import { pick, rng } from './random';

/**
 * The sample profile graph: the real Fortune 500 (name, domain, industry, headcount,
 * revenue, HQ from data/fortune500-2025.csv, with real former names as aliases) plus
 * generated companies (the same ones the local HubSpot seeds). Signals (tech stack,
 * funding, hiring, growth, ...) are generated for every profile, so every row carries
 * `sample: true`.
 */
export const HISTORICAL_NAMES: Record<string, string[]> = {
  Meta: ['Facebook', 'Meta Platforms'],
  Alphabet: ['Google'],
  RTX: ['Raytheon Technologies', 'United Technologies'],
  'Elevance Health': ['Anthem', 'WellPoint'],
  'Warner Bros. Discovery': ['Discovery', 'WarnerMedia'],
  Mondelez: ['Kraft Foods', 'Mondelez International'],
  Paramount: ['ViacomCBS', 'Paramount Global'],
  'Truist Financial': ['BB&T', 'SunTrust Banks'],
  Block: ['Square'],
  Viatris: ['Mylan'],
  'Lumen Technologies': ['CenturyLink'],
  Altria: ['Philip Morris Companies'],
  'Booking Holdings': ['Priceline Group', 'priceline.com'],
};

const INDUSTRY_MAP: [RegExp, string][] = [
  [/software|data services/i, 'software'], [/internet/i, 'internet'], [/financial data/i, 'fintech'],
  [/insurance/i, 'insurance'], [/bank|financial|securities/i, 'financial_services'], [/pharma/i, 'biotech_pharma'],
  [/medical products|equipment/i, 'medical_devices'], [/health/i, 'healthcare'], [/petroleum|oil|gas|pipeline/i, 'oil_gas'],
  [/utilit|energy/i, 'energy_utilities'], [/motor|vehicle/i, 'automotive'], [/aerospace|defense/i, 'aerospace_defense'],
  [/telecom/i, 'telecommunications'], [/food|beverage|tobacco/i, 'food_beverage'], [/chemical/i, 'chemicals'],
  [/retail|merchandis|store|wholesal/i, 'retail'], [/airline|transport|freight|logistic|railroad|trucking|mail/i, 'transportation_logistics'],
  [/real estate/i, 'real_estate'], [/engineering|construction|homebuild/i, 'construction_engineering'],
  [/entertainment|media|publishing/i, 'media_entertainment'], [/hotel|casino|resort|restaurant/i, 'hospitality'],
  [/machinery|industrial/i, 'industrial_machinery'], [/metal|mining/i, 'mining_metals'], [/computer|semiconductor|electronic/i, 'manufacturing'],
  [/household|personal|apparel/i, 'consumer_goods'],
];

export function headcountBand(n: number): string {
  if (n <= 10) return '1_10';
  if (n <= 50) return '11_50';
  if (n <= 200) return '51_200';
  if (n <= 500) return '201_500';
  if (n <= 1000) return '501_1000';
  if (n <= 5000) return '1001_5000';
  if (n <= 10000) return '5001_10000';
  return '10001_plus';
}

export function revenueBand(usd: number): string {
  if (usd < 1e6) return 'lt_1m';
  if (usd < 1e7) return '1m_10m';
  if (usd < 5e7) return '10m_50m';
  if (usd < 1e8) return '50m_100m';
  if (usd < 5e8) return '100m_500m';
  if (usd < 1e9) return '500m_1b';
  if (usd < 1e10) return '1b_10b';
  return 'gt_10b';
}

export type ProfileRecord = Record<string, string | number | boolean>;

function signals(r: () => number, isPublic: boolean): ProfileRecord {
  const stack = TECHNOLOGIES.filter(() => r() < 0.12);
  const hiring = HIRING_DEPARTMENTS.filter(() => r() < 0.25);
  const roles = Math.round(r() ** 2 * 400);
  const out: ProfileRecord = {
    tech_stack: stack.join(';'),
    hiring_signal: roles === 0 ? 'none' : pick(r, HIRING_SIGNALS.slice(1)),
    open_roles: roles,
    hiring_departments: roles ? hiring.join(';') : '',
    employee_growth_6m: Math.round((r() * 40 - 10) * 10) / 10,
    remote_share: Math.round(r() * 100),
    gtm_motion: pick(r, GTM_MOTIONS),
    founded_year: 1900 + Math.floor(r() * 124),
  };
  if (isPublic) out.funding_stage = 'public';
  else {
    const stage = pick(r, FUNDING_STAGES.filter((s) => s !== 'public'));
    out.funding_stage = stage;
    if (!['bootstrapped', 'acquired'].includes(stage)) {
      const amount = Math.round(10 ** (5.5 + r() * 3));
      out.last_round_amount = amount;
      out.total_funding = Math.round(amount * (1 + r() * 3));
      out.last_round_date = new Date(Date.UTC(2019 + Math.floor(r() * 7), Math.floor(r() * 12), 1 + Math.floor(r() * 28))).toISOString().slice(0, 10);
    }
  }
  return out;
}

/** `count` profiles: the Fortune 500 first, then generated companies 0..count-501. */
export function* sampleProfiles(count: number, seed = 42): Generator<ProfileRecord> {
  const r = rng(seed);
  const real = fortune500();
  for (let i = 0; i < count; i++) {
    if (i < real.length) {
      const c = real[i]!;
      yield {
        // Ranks tie (two companies share 498), so ids follow the file's order.
        id: `f500-${i + 1}`, name: c.name, domain: c.domain, aliases: (HISTORICAL_NAMES[c.name] ?? []).join(';'), sample: true,
        industry: INDUSTRY_MAP.find(([re]) => re.test(c.industry))?.[1] ?? 'other', sub_industry: c.industry,
        employee_count: c.employees, headcount_band: headcountBand(c.employees), revenue_band: revenueBand(c.revenueUsd),
        arr_estimate: Math.round(c.revenueUsd * (0.05 + r() * 0.1)), hq_city: c.city, hq_country: 'US', company_type: 'public',
        ...signals(r, true),
      };
    } else {
      const g = generatedCompany(i - real.length);
      const employees = Math.round(10 ** (1 + r() * 3.5));
      yield {
        id: `gen-${g.index}`, name: g.name, domain: g.domain, aliases: '', sample: true,
        industry: pick(r, ['software', 'internet', 'fintech', 'healthcare', 'manufacturing', 'retail', 'professional_services', 'media_entertainment', 'ecommerce', 'education']),
        employee_count: employees, headcount_band: headcountBand(employees), revenue_band: revenueBand(employees * (80_000 + r() * 200_000)),
        arr_estimate: Math.round(employees * (50_000 + r() * 150_000)), hq_city: g.city, hq_country: g.country, company_type: 'private',
        ...signals(r, false),
      };
    }
  }
}
