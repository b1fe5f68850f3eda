import type { PropertyDef } from './state';

/** HubSpot's own default properties that Kustiq reads (a subset of each object's ~200). */
export const HUBSPOT_INDUSTRIES = [
  'ACCOUNTING', 'AIRLINES_AVIATION', 'APPAREL_FASHION', 'AUTOMOTIVE', 'AVIATION_AEROSPACE', 'BANKING',
  'BIOTECHNOLOGY', 'BUILDING_MATERIALS', 'CHEMICALS', 'COMPUTER_HARDWARE', 'COMPUTER_SOFTWARE',
  'CONSTRUCTION', 'CONSUMER_ELECTRONICS', 'CONSUMER_GOODS', 'CONSUMER_SERVICES', 'DEFENSE_SPACE',
  'EDUCATION_MANAGEMENT', 'ENTERTAINMENT', 'FINANCIAL_SERVICES', 'FOOD_BEVERAGES', 'FOOD_PRODUCTION',
  'GOVERNMENT_ADMINISTRATION', 'HOSPITAL_HEALTH_CARE', 'HOSPITALITY', 'INFORMATION_TECHNOLOGY_AND_SERVICES',
  'INSURANCE', 'INTERNET', 'LOGISTICS_AND_SUPPLY_CHAIN', 'MACHINERY', 'MANAGEMENT_CONSULTING',
  'MEDICAL_DEVICES', 'MINING_METALS', 'NONPROFIT_ORGANIZATION_MANAGEMENT', 'OIL_ENERGY', 'PHARMACEUTICALS',
  'REAL_ESTATE', 'RETAIL', 'TELECOMMUNICATIONS', 'TRANSPORTATION_TRUCKING_RAILROAD', 'UTILITIES', 'WHOLESALE',
];

type Seed = Pick<PropertyDef, 'name' | 'label' | 'type' | 'fieldType'> & Partial<PropertyDef>;

function def(groupName: string, s: Seed, order: number): PropertyDef {
  return {
    description: '',
    groupName,
    options: [],
    displayOrder: order,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: true,
    formField: s.fieldType !== 'calculation_equation',
    archived: false,
    createdAt: '2019-08-06T02:41:52.184Z',
    updatedAt: '2019-08-06T02:41:52.184Z',
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
    ...s,
  };
}

const readOnly = { modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true } };

export function defaultCompanyProperties(): PropertyDef[] {
  const g = 'companyinformation';
  return [
    { name: 'name', label: 'Company name', type: 'string', fieldType: 'text' },
    { name: 'domain', label: 'Company Domain Name', type: 'string', fieldType: 'text' },
    { name: 'website', label: 'Website URL', type: 'string', fieldType: 'text' },
    {
      name: 'industry', label: 'Industry', type: 'enumeration', fieldType: 'select',
      options: HUBSPOT_INDUSTRIES.map((v, i) => ({ value: v, label: v.replace(/_/g, ' ').toLowerCase(), hidden: false, displayOrder: i })),
    },
    { name: 'numberofemployees', label: 'Number of Employees', type: 'number', fieldType: 'number' },
    { name: 'annualrevenue', label: 'Annual Revenue', type: 'number', fieldType: 'number' },
    { name: 'city', label: 'City', type: 'string', fieldType: 'text' },
    { name: 'state', label: 'State/Region', type: 'string', fieldType: 'text' },
    { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text' },
    { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
    { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', ...readOnly },
    { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date', ...readOnly },
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', ...readOnly },
  ].map((s, i) => def(g, s as Seed, i));
}

export function defaultContactProperties(): PropertyDef[] {
  const g = 'contactinformation';
  return [
    { name: 'email', label: 'Email', type: 'string', fieldType: 'text' },
    { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text' },
    { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text' },
    { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text' },
    { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text' },
    { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
    { name: 'associatedcompanyid', label: 'Primary Associated Company ID', type: 'number', fieldType: 'number', ...readOnly },
    { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', ...readOnly },
    { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date', ...readOnly },
    { name: 'hs_lastmodifieddate', label: 'Object last modified date/time', type: 'datetime', fieldType: 'date', ...readOnly },
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', ...readOnly },
  ].map((s, i) => def(g, s as Seed, i));
}

export const DEFAULT_GROUPS = {
  companies: [{ name: 'companyinformation', label: 'Company information', displayOrder: -1, archived: false }],
  contacts: [{ name: 'contactinformation', label: 'Contact information', displayOrder: -1, archived: false }],
};

/** Properties returned when a read names none (as HubSpot does). */
export const DEFAULT_READ_PROPERTIES = {
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
};
