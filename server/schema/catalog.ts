/**
 * The property catalog: the single source of truth for the 37 kustiq_* properties
 * (33 company + 4 contact) and the `kustiq` group, transcribed from
 * shared/spec/properties.md. Names, types and option values are permanent once a
 * portal has them, so everything (schema sync, emulator faults, card, docs, tests)
 * imports from here.
 */

export type ObjectType = 'companies' | 'contacts';
export type PropertyType = 'enumeration' | 'number' | 'date' | 'datetime' | 'string';
export type FieldType = 'select' | 'checkbox' | 'number' | 'date' | 'text' | 'textarea';

export interface CatalogOption {
  value: string;
  label: string;
}

export interface CatalogProperty {
  name: `kustiq_${string}`;
  objectType: ObjectType;
  label: string;
  description: string;
  type: PropertyType;
  fieldType: FieldType;
  /** Fixed options; for `growing` enumerations the starting set (new values are added before writes). */
  options?: CatalogOption[];
  /** Options grow with the graph (tech stack): values outside the list are added, never refused. */
  growing?: boolean;
  /** Where the property sits in the seed's grouping: shown in docs and the card. */
  section: 'seed' | 'operations' | 'firmographics' | 'gtm' | 'fit' | 'contact';
}

export const PROPERTY_GROUP = { name: 'kustiq', label: 'Kustiq', displayOrder: -1 } as const;

const opts = (values: string[], labels?: Record<string, string>): CatalogOption[] =>
  values.map((value) => ({ value, label: labels?.[value] ?? humanize(value) }));

function humanize(value: string): string {
  const words = value.split('_').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const INDUSTRIES = [
  'software', 'internet', 'fintech', 'financial_services', 'insurance', 'healthcare',
  'biotech_pharma', 'medical_devices', 'manufacturing', 'industrial_machinery', 'retail',
  'ecommerce', 'consumer_goods', 'food_beverage', 'media_entertainment', 'telecommunications',
  'energy_utilities', 'oil_gas', 'transportation_logistics', 'automotive', 'aerospace_defense',
  'real_estate', 'construction_engineering', 'education', 'government', 'nonprofit',
  'professional_services', 'hospitality', 'agriculture', 'chemicals', 'mining_metals', 'other',
] as const;

export const HEADCOUNT_BANDS = [
  '1_10', '11_50', '51_200', '201_500', '501_1000', '1001_5000', '5001_10000', '10001_plus',
] as const;
const HEADCOUNT_LABELS: Record<string, string> = {
  '1_10': '1–10', '11_50': '11–50', '51_200': '51–200', '201_500': '201–500',
  '501_1000': '501–1,000', '1001_5000': '1,001–5,000', '5001_10000': '5,001–10,000',
  '10001_plus': '10,001+',
};

export const FUNDING_STAGES = [
  'bootstrapped', 'pre_seed', 'seed', 'series_a', 'series_b', 'series_c', 'series_d_plus',
  'private_equity', 'public', 'acquired',
] as const;

export const HIRING_SIGNALS = ['none', 'low', 'moderate', 'high', 'surging'] as const;
export const COMPANY_TYPES = ['private', 'public', 'nonprofit', 'government', 'education', 'subsidiary'] as const;
export const REVENUE_BANDS = [
  'lt_1m', '1m_10m', '10m_50m', '50m_100m', '100m_500m', '500m_1b', '1b_10b', 'gt_10b',
] as const;
const REVENUE_LABELS: Record<string, string> = {
  lt_1m: '< $1M', '1m_10m': '$1M–$10M', '10m_50m': '$10M–$50M', '50m_100m': '$50M–$100M',
  '100m_500m': '$100M–$500M', '500m_1b': '$500M–$1B', '1b_10b': '$1B–$10B', gt_10b: '> $10B',
};
export const HIRING_DEPARTMENTS = [
  'engineering', 'product', 'design', 'data', 'sales', 'marketing', 'customer_success',
  'support', 'operations', 'finance', 'hr', 'legal',
] as const;
export const GTM_MOTIONS = ['product_led', 'sales_led', 'hybrid', 'channel'] as const;
export const ICP_GRADES = ['A', 'B', 'C', 'D', 'F'] as const;
export const MATCH_METHODS = ['domain', 'name', 'manual'] as const;
export const TECHNOLOGIES = [
  'salesforce', 'hubspot', 'marketo', 'pardot', 'outreach', 'salesloft', 'gong', 'zoominfo',
  'aws', 'gcp', 'azure', 'cloudflare', 'fastly', 'vercel', 'stripe', 'braintree', 'adyen',
  'shopify', 'magento', 'wordpress', 'segment', 'snowflake', 'databricks', 'bigquery',
  'looker', 'tableau', 'mixpanel', 'amplitude', 'google_analytics', 'intercom', 'zendesk',
  'freshdesk', 'slack', 'microsoft_teams', 'zoom', 'okta', 'auth0', 'atlassian', 'github',
  'gitlab', 'datadog', 'new_relic', 'sentry', 'twilio', 'sendgrid', 'mailchimp', 'workday',
  'netsuite', 'sap', 'oracle',
] as const;
const TECH_LABELS: Record<string, string> = {
  aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure', hubspot: 'HubSpot', github: 'GitHub',
  gitlab: 'GitLab', bigquery: 'BigQuery', sap: 'SAP', netsuite: 'NetSuite', auth0: 'Auth0',
  google_analytics: 'Google Analytics', microsoft_teams: 'Microsoft Teams', new_relic: 'New Relic',
  sendgrid: 'SendGrid', salesloft: 'SalesLoft', zoominfo: 'ZoomInfo', mailchimp: 'Mailchimp',
};

export const CONTACT_ROLES = ['decision_maker', 'influencer', 'practitioner', 'gatekeeper', 'other'] as const;
export const CONTACT_DEPARTMENTS = [
  'executive', 'engineering', 'product', 'design', 'data', 'it', 'security', 'sales', 'marketing',
  'customer_success', 'support', 'finance', 'hr', 'legal', 'operations', 'procurement', 'other',
] as const;
export const CONTACT_SENIORITIES = [
  'owner', 'founder', 'c_suite', 'partner', 'vp', 'head', 'director', 'manager', 'senior',
  'entry', 'intern',
] as const;

const ENUM_LABELS: Record<string, string> = {
  c_suite: 'C-suite', vp: 'VP', hr: 'HR', it: 'IT', series_a: 'Series A', series_b: 'Series B',
  series_c: 'Series C', series_d_plus: 'Series D+', pre_seed: 'Pre-seed',
  biotech_pharma: 'Biotech & pharma', food_beverage: 'Food & beverage',
  media_entertainment: 'Media & entertainment', energy_utilities: 'Energy & utilities',
  oil_gas: 'Oil & gas', transportation_logistics: 'Transportation & logistics',
  aerospace_defense: 'Aerospace & defense', construction_engineering: 'Construction & engineering',
  mining_metals: 'Mining & metals', fintech: 'Fintech', ecommerce: 'E-commerce',
  product_led: 'Product-led', sales_led: 'Sales-led',
};

type Def = Omit<CatalogProperty, 'objectType'>;
const company = (d: Def): CatalogProperty => ({ ...d, objectType: 'companies' });
const contact = (d: Omit<Def, 'section'>): CatalogProperty => ({ ...d, objectType: 'contacts', section: 'contact' });

const SRC = 'Source: the Kustiq profile graph.';

export const COMPANY_PROPERTIES: readonly CatalogProperty[] = [
  company({ name: 'kustiq_industry', label: 'Kustiq industry', type: 'enumeration', fieldType: 'select', section: 'seed',
    options: opts([...INDUSTRIES], ENUM_LABELS), description: `The company's primary industry. ${SRC}` }),
  company({ name: 'kustiq_headcount_band', label: 'Kustiq headcount band', type: 'enumeration', fieldType: 'select', section: 'seed',
    options: opts([...HEADCOUNT_BANDS], HEADCOUNT_LABELS), description: `Employee headcount band. ${SRC}` }),
  company({ name: 'kustiq_arr_estimate', label: 'Kustiq ARR estimate', type: 'number', fieldType: 'number', section: 'seed',
    description: `Estimated annual recurring revenue in USD per year. ${SRC}` }),
  company({ name: 'kustiq_funding_stage', label: 'Kustiq funding stage', type: 'enumeration', fieldType: 'select', section: 'seed',
    options: opts([...FUNDING_STAGES], ENUM_LABELS), description: `Latest funding stage. ${SRC}` }),
  company({ name: 'kustiq_last_round_date', label: 'Kustiq last round date', type: 'date', fieldType: 'date', section: 'seed',
    description: `Date of the company's most recent funding round. ${SRC}` }),
  company({ name: 'kustiq_last_round_amount', label: 'Kustiq last round amount', type: 'number', fieldType: 'number', section: 'seed',
    description: `Amount raised in the most recent funding round, in USD. ${SRC}` }),
  company({ name: 'kustiq_tech_stack', label: 'Kustiq tech stack', type: 'enumeration', fieldType: 'checkbox', section: 'seed',
    options: opts([...TECHNOLOGIES], TECH_LABELS), growing: true,
    description: `Technologies detected in use at the company (multi-select; options grow as the graph names new technologies). ${SRC}` }),
  company({ name: 'kustiq_hiring_signal', label: 'Kustiq hiring signal', type: 'enumeration', fieldType: 'select', section: 'seed',
    options: opts([...HIRING_SIGNALS]), description: `Strength of current hiring activity, from job postings. ${SRC}` }),
  company({ name: 'kustiq_hq_city', label: 'Kustiq HQ city', type: 'string', fieldType: 'text', section: 'seed',
    description: `City of the company's headquarters. ${SRC}` }),
  company({ name: 'kustiq_hq_country', label: 'Kustiq HQ country', type: 'string', fieldType: 'text', section: 'seed',
    description: `Country of the company's headquarters as an ISO 3166-1 alpha-2 code (US, DE, ...). ${SRC}` }),
  company({ name: 'kustiq_remote_share', label: 'Kustiq remote share', type: 'number', fieldType: 'number', section: 'seed',
    description: `Percent of staff working remotely, 0–100. ${SRC}` }),
  company({ name: 'kustiq_score_a', label: 'Kustiq ICP score A', type: 'number', fieldType: 'number', section: 'seed',
    description: 'Fit to your workspace\'s ICP tier A, 0–100. Computed by Kustiq from your ICP definition.' }),
  company({ name: 'kustiq_score_b', label: 'Kustiq ICP score B', type: 'number', fieldType: 'number', section: 'seed',
    description: 'Fit to your workspace\'s ICP tier B, 0–100. Computed by Kustiq from your ICP definition.' }),
  company({ name: 'kustiq_score_c', label: 'Kustiq ICP score C', type: 'number', fieldType: 'number', section: 'seed',
    description: 'Fit to your workspace\'s ICP tier C, 0–100. Computed by Kustiq from your ICP definition.' }),
  company({ name: 'kustiq_profile_id', label: 'Kustiq profile ID', type: 'string', fieldType: 'text', section: 'operations',
    description: 'ID of the matched profile in the Kustiq profile graph.' }),
  company({ name: 'kustiq_match_confidence', label: 'Kustiq match confidence', type: 'number', fieldType: 'number', section: 'operations',
    description: 'Confidence of the match between this record and its Kustiq profile, 0–100 (80 or more, or confirmed by a person).' }),
  company({ name: 'kustiq_match_method', label: 'Kustiq match method', type: 'enumeration', fieldType: 'select', section: 'operations',
    options: opts([...MATCH_METHODS]), description: 'How the record was matched: by domain, by name, or confirmed manually in review.' }),
  company({ name: 'kustiq_last_synced_at', label: 'Kustiq last synced at', type: 'datetime', fieldType: 'date', section: 'operations',
    description: 'When Kustiq last wrote this record.' }),
  company({ name: 'kustiq_employee_count', label: 'Kustiq employee count', type: 'number', fieldType: 'number', section: 'firmographics',
    description: `Number of employees. ${SRC}` }),
  company({ name: 'kustiq_founded_year', label: 'Kustiq founded year', type: 'number', fieldType: 'number', section: 'firmographics',
    description: `Year the company was founded. ${SRC}` }),
  company({ name: 'kustiq_company_type', label: 'Kustiq company type', type: 'enumeration', fieldType: 'select', section: 'firmographics',
    options: opts([...COMPANY_TYPES]), description: `Ownership type of the company. ${SRC}` }),
  company({ name: 'kustiq_revenue_band', label: 'Kustiq revenue band', type: 'enumeration', fieldType: 'select', section: 'firmographics',
    options: opts([...REVENUE_BANDS], REVENUE_LABELS), description: `Annual revenue band in USD. ${SRC}` }),
  company({ name: 'kustiq_sub_industry', label: 'Kustiq sub-industry', type: 'string', fieldType: 'text', section: 'firmographics',
    description: `Free-text sub-industry. ${SRC}` }),
  company({ name: 'kustiq_linkedin_url', label: 'Kustiq LinkedIn URL', type: 'string', fieldType: 'text', section: 'firmographics',
    description: `The company's LinkedIn page. ${SRC}` }),
  company({ name: 'kustiq_employee_growth_6m', label: 'Kustiq employee growth (6 months)', type: 'number', fieldType: 'number', section: 'gtm',
    description: `Headcount change over the last 6 months, in percent (may be negative). ${SRC}` }),
  company({ name: 'kustiq_open_roles', label: 'Kustiq open roles', type: 'number', fieldType: 'number', section: 'gtm',
    description: `Number of open job postings. ${SRC}` }),
  company({ name: 'kustiq_hiring_departments', label: 'Kustiq hiring departments', type: 'enumeration', fieldType: 'checkbox', section: 'gtm',
    options: opts([...HIRING_DEPARTMENTS], ENUM_LABELS), description: `Departments with open job postings (multi-select). ${SRC}` }),
  company({ name: 'kustiq_total_funding', label: 'Kustiq total funding', type: 'number', fieldType: 'number', section: 'gtm',
    description: `Total funding raised to date, in USD. ${SRC}` }),
  company({ name: 'kustiq_investors', label: 'Kustiq investors', type: 'string', fieldType: 'textarea', section: 'gtm',
    description: `Investor names, joined with "; ". ${SRC}` }),
  company({ name: 'kustiq_gtm_motion', label: 'Kustiq GTM motion', type: 'enumeration', fieldType: 'select', section: 'gtm',
    options: opts([...GTM_MOTIONS], ENUM_LABELS), description: `The company's dominant go-to-market motion. ${SRC}` }),
  company({ name: 'kustiq_icp_fit_score', label: 'Kustiq ICP fit score', type: 'number', fieldType: 'number', section: 'fit',
    description: 'Best of the ICP tier scores A, B and C, 0–100. Computed by Kustiq from your ICP definition.' }),
  company({ name: 'kustiq_icp_grade', label: 'Kustiq ICP grade', type: 'enumeration', fieldType: 'select', section: 'fit',
    options: opts([...ICP_GRADES]), description: 'Letter grade of the ICP fit score: A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35, else F.' }),
  company({ name: 'kustiq_icp_explanation', label: 'Kustiq ICP explanation', type: 'string', fieldType: 'textarea', section: 'fit',
    description: 'One sentence naming the factors that moved the ICP fit score most, for and against.' }),
];

export const CONTACT_PROPERTIES: readonly CatalogProperty[] = [
  contact({ name: 'kustiq_email_confidence', label: 'Kustiq email confidence', type: 'number', fieldType: 'number',
    description: 'How likely the contact\'s email address is deliverable and belongs to this person at this company, 0–100. Output only; computed by Kustiq without reading any mailbox.' }),
  contact({ name: 'kustiq_contact_role', label: 'Kustiq contact role', type: 'enumeration', fieldType: 'select',
    options: opts([...CONTACT_ROLES]), description: 'Buying role derived from the job title: decision maker, influencer, practitioner, gatekeeper or other.' }),
  contact({ name: 'kustiq_contact_department', label: 'Kustiq contact department', type: 'enumeration', fieldType: 'select',
    options: opts([...CONTACT_DEPARTMENTS], ENUM_LABELS), description: 'Department derived from the job title.' }),
  contact({ name: 'kustiq_contact_seniority', label: 'Kustiq contact seniority', type: 'enumeration', fieldType: 'select',
    options: opts([...CONTACT_SENIORITIES], ENUM_LABELS), description: 'Seniority derived from the job title.' }),
];

export const ALL_PROPERTIES: readonly CatalogProperty[] = [...COMPANY_PROPERTIES, ...CONTACT_PROPERTIES];

export function propertiesFor(objectType: ObjectType): readonly CatalogProperty[] {
  return objectType === 'companies' ? COMPANY_PROPERTIES : CONTACT_PROPERTIES;
}

const BY_NAME = new Map(ALL_PROPERTIES.map((p) => [`${p.objectType}:${p.name}`, p]));
export function catalogProperty(objectType: ObjectType, name: string): CatalogProperty | undefined {
  return BY_NAME.get(`${objectType}:${name}`);
}
