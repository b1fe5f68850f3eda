import { COMPANY_PROPERTIES, CONTACT_PROPERTIES, type CatalogProperty } from './catalog';

/**
 * HubSpot card code may not import from outside src/app/cards, so the card gets a
 * generated copy of the catalog's names, labels and option labels. This renders it;
 * `npm run gen:card-catalog` writes it, and a test fails when the copy drifts.
 */
export const CARD_CATALOG_PATH = 'src/app/cards/catalog.generated.ts';

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function entry(p: CatalogProperty) {
  return {
    name: p.name,
    label: capitalize(p.label.replace(/^Kustiq /, '')),
    type: p.type,
    section: p.section,
    ...(p.options && !p.growing ? { options: Object.fromEntries(p.options.map((o) => [o.value, o.label])) } : {}),
  };
}

export function renderCardCatalog(): string {
  const company = JSON.stringify(COMPANY_PROPERTIES.map(entry), null, 2);
  const contact = JSON.stringify(CONTACT_PROPERTIES.map(entry), null, 2);
  return `// Generated from server/schema/catalog.ts by \`npm run gen:card-catalog\`. Do not edit.

export interface CardProperty {
  name: string;
  label: string;
  type: 'enumeration' | 'number' | 'date' | 'datetime' | 'string';
  section: 'seed' | 'operations' | 'firmographics' | 'gtm' | 'fit' | 'contact';
  options?: Record<string, string>;
}

export const COMPANY_PROPERTIES: CardProperty[] = ${company};

export const CONTACT_PROPERTIES: CardProperty[] = ${contact};
`;
}
