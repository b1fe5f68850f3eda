import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_PROPERTIES, COMPANY_PROPERTIES, CONTACT_PROPERTIES, PROPERTY_GROUP } from '../server/schema/catalog';
import { CARD_CATALOG_PATH, renderCardCatalog } from '../server/schema/card-catalog';

describe('the property catalog', () => {
  it('holds the seed\u2019s 33 company and 4 contact properties, all kustiq_*, described, in one group', () => {
    expect(COMPANY_PROPERTIES).toHaveLength(33);
    expect(CONTACT_PROPERTIES).toHaveLength(4);
    expect(new Set(ALL_PROPERTIES.map((p) => `${p.objectType}:${p.name}`)).size).toBe(37);
    for (const p of ALL_PROPERTIES) {
      expect(p.name).toMatch(/^kustiq_[a-z0-9_]+$/);
      expect(p.description.length).toBeGreaterThan(10);
      if (p.type === 'enumeration') expect(p.options?.length).toBeGreaterThan(0);
    }
    expect(PROPERTY_GROUP).toMatchObject({ name: 'kustiq', label: 'Kustiq' });
    for (const n of ['kustiq_industry', 'kustiq_tech_stack', 'kustiq_score_a', 'kustiq_icp_explanation', 'kustiq_last_synced_at']) {
      expect(COMPANY_PROPERTIES.map((p) => p.name)).toContain(n);
    }
    expect(CONTACT_PROPERTIES.map((p) => p.name)).toEqual(['kustiq_email_confidence', 'kustiq_contact_role', 'kustiq_contact_department', 'kustiq_contact_seniority']);
  });

  it('is what the CRM card ships (run `npm run gen:card-catalog` after changing the catalog)', () => {
    expect(fs.readFileSync(CARD_CATALOG_PATH, 'utf8')).toBe(renderCardCatalog());
  });
});
