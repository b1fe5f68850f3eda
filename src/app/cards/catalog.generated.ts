// Generated from server/schema/catalog.ts by `npm run gen:card-catalog`. Do not edit.

export interface CardProperty {
  name: string;
  label: string;
  type: 'enumeration' | 'number' | 'date' | 'datetime' | 'string';
  section: 'seed' | 'operations' | 'firmographics' | 'gtm' | 'fit' | 'contact';
  options?: Record<string, string>;
}

export const COMPANY_PROPERTIES: CardProperty[] = [
  {
    "name": "kustiq_industry",
    "label": "Industry",
    "type": "enumeration",
    "section": "seed",
    "options": {
      "software": "Software",
      "internet": "Internet",
      "fintech": "Fintech",
      "financial_services": "Financial services",
      "insurance": "Insurance",
      "healthcare": "Healthcare",
      "biotech_pharma": "Biotech & pharma",
      "medical_devices": "Medical devices",
      "manufacturing": "Manufacturing",
      "industrial_machinery": "Industrial machinery",
      "retail": "Retail",
      "ecommerce": "E-commerce",
      "consumer_goods": "Consumer goods",
      "food_beverage": "Food & beverage",
      "media_entertainment": "Media & entertainment",
      "telecommunications": "Telecommunications",
      "energy_utilities": "Energy & utilities",
      "oil_gas": "Oil & gas",
      "transportation_logistics": "Transportation & logistics",
      "automotive": "Automotive",
      "aerospace_defense": "Aerospace & defense",
      "real_estate": "Real estate",
      "construction_engineering": "Construction & engineering",
      "education": "Education",
      "government": "Government",
      "nonprofit": "Nonprofit",
      "professional_services": "Professional services",
      "hospitality": "Hospitality",
      "agriculture": "Agriculture",
      "chemicals": "Chemicals",
      "mining_metals": "Mining & metals",
      "other": "Other"
    }
  },
  {
    "name": "kustiq_headcount_band",
    "label": "Headcount band",
    "type": "enumeration",
    "section": "seed",
    "options": {
      "1_10": "1–10",
      "11_50": "11–50",
      "51_200": "51–200",
      "201_500": "201–500",
      "501_1000": "501–1,000",
      "1001_5000": "1,001–5,000",
      "5001_10000": "5,001–10,000",
      "10001_plus": "10,001+"
    }
  },
  {
    "name": "kustiq_arr_estimate",
    "label": "ARR estimate",
    "type": "number",
    "section": "seed"
  },
  {
    "name": "kustiq_funding_stage",
    "label": "Funding stage",
    "type": "enumeration",
    "section": "seed",
    "options": {
      "bootstrapped": "Bootstrapped",
      "pre_seed": "Pre-seed",
      "seed": "Seed",
      "series_a": "Series A",
      "series_b": "Series B",
      "series_c": "Series C",
      "series_d_plus": "Series D+",
      "private_equity": "Private equity",
      "public": "Public",
      "acquired": "Acquired"
    }
  },
  {
    "name": "kustiq_last_round_date",
    "label": "Last round date",
    "type": "date",
    "section": "seed"
  },
  {
    "name": "kustiq_last_round_amount",
    "label": "Last round amount",
    "type": "number",
    "section": "seed"
  },
  {
    "name": "kustiq_tech_stack",
    "label": "Tech stack",
    "type": "enumeration",
    "section": "seed"
  },
  {
    "name": "kustiq_hiring_signal",
    "label": "Hiring signal",
    "type": "enumeration",
    "section": "seed",
    "options": {
      "none": "None",
      "low": "Low",
      "moderate": "Moderate",
      "high": "High",
      "surging": "Surging"
    }
  },
  {
    "name": "kustiq_hq_city",
    "label": "HQ city",
    "type": "string",
    "section": "seed"
  },
  {
    "name": "kustiq_hq_country",
    "label": "HQ country",
    "type": "string",
    "section": "seed"
  },
  {
    "name": "kustiq_remote_share",
    "label": "Remote share",
    "type": "number",
    "section": "seed"
  },
  {
    "name": "kustiq_score_a",
    "label": "ICP score A",
    "type": "number",
    "section": "seed"
  },
  {
    "name": "kustiq_score_b",
    "label": "ICP score B",
    "type": "number",
    "section": "seed"
  },
  {
    "name": "kustiq_score_c",
    "label": "ICP score C",
    "type": "number",
    "section": "seed"
  },
  {
    "name": "kustiq_profile_id",
    "label": "Profile ID",
    "type": "string",
    "section": "operations"
  },
  {
    "name": "kustiq_match_confidence",
    "label": "Match confidence",
    "type": "number",
    "section": "operations"
  },
  {
    "name": "kustiq_match_method",
    "label": "Match method",
    "type": "enumeration",
    "section": "operations",
    "options": {
      "domain": "Domain",
      "name": "Name",
      "manual": "Manual"
    }
  },
  {
    "name": "kustiq_last_synced_at",
    "label": "Last synced at",
    "type": "datetime",
    "section": "operations"
  },
  {
    "name": "kustiq_employee_count",
    "label": "Employee count",
    "type": "number",
    "section": "firmographics"
  },
  {
    "name": "kustiq_founded_year",
    "label": "Founded year",
    "type": "number",
    "section": "firmographics"
  },
  {
    "name": "kustiq_company_type",
    "label": "Company type",
    "type": "enumeration",
    "section": "firmographics",
    "options": {
      "private": "Private",
      "public": "Public",
      "nonprofit": "Nonprofit",
      "government": "Government",
      "education": "Education",
      "subsidiary": "Subsidiary"
    }
  },
  {
    "name": "kustiq_revenue_band",
    "label": "Revenue band",
    "type": "enumeration",
    "section": "firmographics",
    "options": {
      "lt_1m": "< $1M",
      "1m_10m": "$1M–$10M",
      "10m_50m": "$10M–$50M",
      "50m_100m": "$50M–$100M",
      "100m_500m": "$100M–$500M",
      "500m_1b": "$500M–$1B",
      "1b_10b": "$1B–$10B",
      "gt_10b": "> $10B"
    }
  },
  {
    "name": "kustiq_sub_industry",
    "label": "Sub-industry",
    "type": "string",
    "section": "firmographics"
  },
  {
    "name": "kustiq_linkedin_url",
    "label": "LinkedIn URL",
    "type": "string",
    "section": "firmographics"
  },
  {
    "name": "kustiq_employee_growth_6m",
    "label": "Employee growth (6 months)",
    "type": "number",
    "section": "gtm"
  },
  {
    "name": "kustiq_open_roles",
    "label": "Open roles",
    "type": "number",
    "section": "gtm"
  },
  {
    "name": "kustiq_hiring_departments",
    "label": "Hiring departments",
    "type": "enumeration",
    "section": "gtm",
    "options": {
      "engineering": "Engineering",
      "product": "Product",
      "design": "Design",
      "data": "Data",
      "sales": "Sales",
      "marketing": "Marketing",
      "customer_success": "Customer success",
      "support": "Support",
      "operations": "Operations",
      "finance": "Finance",
      "hr": "HR",
      "legal": "Legal"
    }
  },
  {
    "name": "kustiq_total_funding",
    "label": "Total funding",
    "type": "number",
    "section": "gtm"
  },
  {
    "name": "kustiq_investors",
    "label": "Investors",
    "type": "string",
    "section": "gtm"
  },
  {
    "name": "kustiq_gtm_motion",
    "label": "GTM motion",
    "type": "enumeration",
    "section": "gtm",
    "options": {
      "product_led": "Product-led",
      "sales_led": "Sales-led",
      "hybrid": "Hybrid",
      "channel": "Channel"
    }
  },
  {
    "name": "kustiq_icp_fit_score",
    "label": "ICP fit score",
    "type": "number",
    "section": "fit"
  },
  {
    "name": "kustiq_icp_grade",
    "label": "ICP grade",
    "type": "enumeration",
    "section": "fit",
    "options": {
      "A": "A",
      "B": "B",
      "C": "C",
      "D": "D",
      "F": "F"
    }
  },
  {
    "name": "kustiq_icp_explanation",
    "label": "ICP explanation",
    "type": "string",
    "section": "fit"
  }
];

export const CONTACT_PROPERTIES: CardProperty[] = [
  {
    "name": "kustiq_email_confidence",
    "label": "Email confidence",
    "type": "number",
    "section": "contact"
  },
  {
    "name": "kustiq_contact_role",
    "label": "Contact role",
    "type": "enumeration",
    "section": "contact",
    "options": {
      "decision_maker": "Decision maker",
      "influencer": "Influencer",
      "practitioner": "Practitioner",
      "gatekeeper": "Gatekeeper",
      "other": "Other"
    }
  },
  {
    "name": "kustiq_contact_department",
    "label": "Contact department",
    "type": "enumeration",
    "section": "contact",
    "options": {
      "executive": "Executive",
      "engineering": "Engineering",
      "product": "Product",
      "design": "Design",
      "data": "Data",
      "it": "IT",
      "security": "Security",
      "sales": "Sales",
      "marketing": "Marketing",
      "customer_success": "Customer success",
      "support": "Support",
      "finance": "Finance",
      "hr": "HR",
      "legal": "Legal",
      "operations": "Operations",
      "procurement": "Procurement",
      "other": "Other"
    }
  },
  {
    "name": "kustiq_contact_seniority",
    "label": "Contact seniority",
    "type": "enumeration",
    "section": "contact",
    "options": {
      "owner": "Owner",
      "founder": "Founder",
      "c_suite": "C-suite",
      "partner": "Partner",
      "vp": "VP",
      "head": "Head",
      "director": "Director",
      "manager": "Manager",
      "senior": "Senior",
      "entry": "Entry",
      "intern": "Intern"
    }
  }
];
