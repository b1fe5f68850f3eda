import { fortune500 } from '../server/samples/fortune500';
import { generatedCompany } from '../server/samples/generated-companies';
import { pick, rng } from '../server/samples/random';
import { associate } from './associations';
import type { CrmService } from './crm';
import { HUBSPOT_INDUSTRIES } from './default-properties';
import type { Portal } from './state';

/**
 * Fills a portal the way real portals look: the Fortune 500 first (with the messy
 * domains reps type: URLs, www., upper case, blanks), then generated companies, and
 * contacts associated to them with real-world job titles.
 */
const FIRST = ['Jane', 'John', 'Maria', 'Ahmed', 'Yuki', 'Lena', 'Carlos', 'Priya', 'Oliver', 'Sofia', 'Lukas', 'Emma', 'Noah', 'Chloé', 'Mateo', 'Aisha', 'Wei', 'Anna', 'David', 'Sara', 'Jonas', 'Fatima', 'Liam', 'Ines'];
const LAST = ['Doe', 'Smith', 'García', 'Müller', 'Tanaka', 'Johansson', 'Okafor', 'Patel', 'Brown', 'Rossi', 'Schmidt', 'Dubois', 'Nguyen', 'Kowalski', 'Silva', 'Cohen', 'Larsen', 'Khan', 'Martin', 'Becker'];
const TITLES = ['CEO', 'Chief Financial Officer', 'VP Sales', 'SVP, Finance', 'Head of Growth Marketing', 'Co-founder and CTO', 'Team Lead, Backend', 'Sr. Software Engineer', 'Account Executive', 'SDR', 'BDR', 'Marketing Manager', 'Director of Engineering', 'Executive Assistant to the CEO', 'Office Manager', 'Procurement Specialist', 'Data Analyst', 'Product Manager', 'CISO', 'Customer Success Manager', 'Geschäftsführer', 'Directeur Commercial', 'Gerente de Ventas', 'Intern', 'HR Business Partner', 'General Counsel', ''];
const FREEMAIL = ['gmail.com', 'hotmail.com', 'yahoo.com', 'outlook.com'];

/** Fortune 500 industry → HubSpot's industry option, as a rep would have picked it. */
const INDUSTRY_MAP: [RegExp, string][] = [
  [/software|internet|data services/i, 'COMPUTER_SOFTWARE'], [/computer|semiconductor|electronic/i, 'COMPUTER_HARDWARE'],
  [/insurance/i, 'INSURANCE'], [/bank|savings/i, 'BANKING'], [/financ|securities|diversified fin/i, 'FINANCIAL_SERVICES'],
  [/pharma/i, 'PHARMACEUTICALS'], [/medical|health/i, 'HOSPITAL_HEALTH_CARE'], [/petroleum|oil|gas|mining, crude|energy/i, 'OIL_ENERGY'],
  [/utilit/i, 'UTILITIES'], [/motor|vehicle|automotive/i, 'AUTOMOTIVE'], [/aerospace|defense/i, 'AVIATION_AEROSPACE'],
  [/telecom/i, 'TELECOMMUNICATIONS'], [/food|beverage/i, 'FOOD_BEVERAGES'], [/chemical/i, 'CHEMICALS'],
  [/retail|merchandis|store/i, 'RETAIL'], [/wholesal/i, 'WHOLESALE'], [/airline/i, 'AIRLINES_AVIATION'],
  [/transport|freight|logistic|railroad|trucking/i, 'LOGISTICS_AND_SUPPLY_CHAIN'], [/real estate/i, 'REAL_ESTATE'],
  [/engineering|construction|homebuild/i, 'CONSTRUCTION'], [/entertainment|media|publishing/i, 'ENTERTAINMENT'],
  [/hotel|casino|resort|restaurant/i, 'HOSPITALITY'], [/machinery|industrial/i, 'MACHINERY'], [/metal/i, 'MINING_METALS'],
  [/information technology|services/i, 'INFORMATION_TECHNOLOGY_AND_SERVICES'],
];
function hubspotIndustry(fortuneIndustry: string): string | undefined {
  return INDUSTRY_MAP.find(([re]) => re.test(fortuneIndustry))?.[1];
}

function slug(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** The messy ways a domain sits in a HubSpot export. */
function messyDomain(r: () => number, domain: string): string {
  const x = r();
  if (x < 0.03) return '';
  if (x < 0.08) return `https://www.${domain}/`;
  if (x < 0.12) return `www.${domain}`;
  if (x < 0.15) return domain.toUpperCase();
  return domain;
}

export interface SeedOptions {
  companies: number;
  contacts: number;
  seed?: number;
}

export function seedPortal(portal: Portal, crm: CrmService, opts: SeedOptions): { companies: number; contacts: number } {
  const r = rng(opts.seed ?? portal.portalId);
  const at = Date.now() - 30 * 86_400_000;
  const companyIds: { id: string; domain: string; name: string }[] = [];
  const real = fortune500();
  const source = { kind: 'IMPORT' as const };
  for (let i = 0; i < opts.companies; i++) {
    let name: string;
    let domain: string;
    let values: Record<string, string>;
    if (i < real.length) {
      const c = real[i]!;
      name = c.name;
      domain = c.domain;
      values = {
        name, domain: messyDomain(r, domain), city: c.city, state: c.state, country: 'United States',
        numberofemployees: String(c.employees),
        industry: hubspotIndustry(c.industry) ?? pick(r, HUBSPOT_INDUSTRIES),
      };
    } else {
      const g = generatedCompany(i - real.length);
      name = g.name;
      domain = g.domain;
      // Now and then a rep types a contact's free-mail domain on the company.
      values = {
        name, domain: r() < 0.02 ? pick(r, FREEMAIL) : messyDomain(r, domain), city: g.city, country: g.country,
        numberofemployees: String(Math.round(10 ** (1 + r() * 3.5))),
        industry: pick(r, HUBSPOT_INDUSTRIES),
      };
      if (r() < 0.3) values.website = `https://${domain}`;
    }
    const rec = crm.create(portal, 'companies', values, source, at + i, false);
    companyIds.push({ id: rec.id, domain, name });
  }
  for (let i = 0; i < opts.contacts; i++) {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    const company = companyIds.length ? companyIds[Math.floor(r() * companyIds.length)]! : null;
    const x = r();
    const local = x < 0.5 ? `${slug(first)}.${slug(last)}` : x < 0.7 ? `${slug(first)[0]}${slug(last)}` : x < 0.8 ? slug(first) : x < 0.85 ? pick(r, ['info', 'sales', 'support']) : `${slug(first)}${Math.floor(r() * 100)}`;
    const emailDomain = company && r() > 0.12 ? company.domain : pick(r, FREEMAIL);
    const values: Record<string, string> = {
      email: `${local}@${emailDomain}`, firstname: first, lastname: last, jobtitle: pick(r, TITLES),
    };
    if (company) values.company = company.name;
    if (!values.jobtitle) delete values.jobtitle;
    const rec = crm.create(portal, 'contacts', values, source, at + opts.companies + i, false);
    if (company && r() > 0.05) associate(portal, rec.id, company.id, true);
  }
  return { companies: opts.companies, contacts: opts.contacts };
}
