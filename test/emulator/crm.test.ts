import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator';

const KUSTIQ_INDUSTRY = {
  name: 'kustiq_industry', label: 'Kustiq industry', type: 'enumeration', fieldType: 'select', groupName: 'kustiq',
  description: 'Primary industry', options: [{ label: 'Software', value: 'software' }, { label: 'Retail', value: 'retail' }],
};

describe('CRM objects, properties, associations and lists in the local HubSpot', () => {
  const fx = useEmulator({ companies: 250, contacts: 400, settings: { rateLimit: { enabled: false, max: 110, windowMs: 10_000, searchPerSecond: 5 } } });

  it('lists with limit ≤ 100 and after-paging over every record once', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const r = await fx.api('GET', `/crm/v3/objects/companies?limit=100&properties=name,domain${after ? `&after=${after}` : ''}`);
      expect(r.status).toBe(200);
      ids.push(...r.body.results.map((x: any) => x.id));
      after = r.body.paging?.next?.after;
    } while (after);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect((await fx.api('GET', '/crm/v3/objects/companies?limit=101')).status).toBe(400);
  });

  it('returns requested properties with null for empty ones, and default properties otherwise', async () => {
    const r = await fx.api('GET', '/crm/v3/objects/companies/1000001?properties=name,kustiq_nothing');
    expect(r.body.properties).toEqual({ name: 'Walmart', kustiq_nothing: null });
    const d = await fx.api('GET', '/crm/v3/objects/companies/1000001');
    expect(Object.keys(d.body.properties).sort()).toEqual(['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name']);
  });

  it('batch reads with 207 for missing ids and refuses more than 100 inputs', async () => {
    const r = await fx.api('POST', '/crm/v3/objects/companies/batch/read', { inputs: [{ id: '1000001' }, { id: '999' }], properties: ['name'], propertiesWithHistory: [] });
    expect(r.status).toBe(207);
    expect(r.body.results).toHaveLength(1);
    expect(r.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999'] } });
    const big = await fx.api('POST', '/crm/v3/objects/companies/batch/update', { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(1000001 + i), properties: { city: 'X' } })) });
    expect(big.status).toBe(400);
    expect(big.body.category).toBe('VALIDATION_ERROR');
  });

  it('creates properties with type/fieldType validation, then validates values on writes', async () => {
    expect((await fx.api('POST', '/crm/v3/properties/companies/groups', { name: 'kustiq', label: 'Kustiq' })).status).toBe(201);
    const badPair = await fx.api('POST', '/crm/v3/properties/companies', { ...KUSTIQ_INDUSTRY, name: 'kustiq_bad', fieldType: 'text' });
    expect(badPair.status).toBe(400);
    expect(badPair.body.message).toMatch(/fieldType "text" is not valid for type "enumeration"/);
    const created = await fx.api('POST', '/crm/v3/properties/companies/batch/create', {
      inputs: [KUSTIQ_INDUSTRY, { name: 'kustiq_arr_estimate', label: 'ARR', type: 'number', fieldType: 'number', groupName: 'kustiq', description: 'ARR' },
        { name: 'kustiq_last_round_date', label: 'Last round', type: 'date', fieldType: 'date', groupName: 'kustiq', description: 'date' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.results).toHaveLength(3);
    const again = await fx.api('POST', '/crm/v3/properties/companies/batch/create', { inputs: [KUSTIQ_INDUSTRY] });
    expect(again.status).toBe(207);
    expect(again.body.errors[0].category).toBe('OBJECT_ALREADY_EXISTS');

    const before = (await fx.admin.object(fx.emu.portalId, 'companies', '1000002')).properties.hs_lastmodifieddate;
    const ok = await fx.api('POST', '/crm/v3/objects/companies/batch/update', {
      inputs: [{ id: '1000002', properties: { kustiq_industry: 'retail', kustiq_arr_estimate: '1250000.5', kustiq_last_round_date: '2024-05-01' } }],
    });
    expect(ok.status).toBe(200);
    const stored = (await fx.admin.object(fx.emu.portalId, 'companies', '1000002')).properties;
    expect(stored).toMatchObject({ kustiq_industry: 'retail', kustiq_arr_estimate: '1250000.5', kustiq_last_round_date: '2024-05-01' });
    expect(Date.parse(stored.hs_lastmodifieddate!)).toBeGreaterThan(Date.parse(before!));

    const invalid = await fx.api('POST', '/crm/v3/objects/companies/batch/update', {
      inputs: [
        { id: '1000003', properties: { kustiq_industry: 'fintech' } },
        { id: '1000004', properties: { kustiq_arr_estimate: 'lots', kustiq_last_round_date: 'yesterday' } },
      ],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/^Property values were not valid: \[/);
    const parsed = JSON.parse(invalid.body.message.replace('Property values were not valid: ', ''));
    expect(parsed.map((e: any) => [e.name, e.error])).toEqual([
      ['kustiq_industry', 'INVALID_OPTION'], ['kustiq_arr_estimate', 'INVALID_DECIMAL'], ['kustiq_last_round_date', 'INVALID_DATE'],
    ]);
    expect(invalid.body.errors[0]).toMatchObject({ code: 'INVALID_OPTION', context: { propertyName: ['kustiq_industry'], id: ['1000003'] } });
    // Nothing of a refused batch is written.
    expect((await fx.admin.object(fx.emu.portalId, 'companies', '1000003')).properties.kustiq_industry).toBeUndefined();

    const padded = await fx.api('PATCH', '/crm/v3/objects/companies/1000003', { properties: { kustiq_arr_estimate: ' 5' } });
    expect(padded.status).toBe(400);
  });

  it('adds enumeration options by PATCH and refuses to drop options in use', async () => {
    const add = await fx.api('PATCH', '/crm/v3/properties/companies/kustiq_industry', { options: [...KUSTIQ_INDUSTRY.options, { label: 'Fintech', value: 'fintech' }] });
    expect(add.status).toBe(200);
    expect((await fx.api('PATCH', '/crm/v3/objects/companies/1000003', { properties: { kustiq_industry: 'fintech' } })).status).toBe(200);
    const drop = await fx.api('PATCH', '/crm/v3/properties/companies/kustiq_industry', { options: [{ label: 'Software', value: 'software' }] });
    expect(drop.status).toBe(400);
    expect(drop.body.message).toMatch(/in use: retail, fintech/);
  });

  it('answers READ_ONLY_VALUE for a property locked read-only', async () => {
    await fx.admin.call('PATCH', `/portals/${fx.emu.portalId}/properties/companies/kustiq_arr_estimate`, { readOnlyValue: true });
    const r = await fx.api('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: '1000005', properties: { kustiq_arr_estimate: '1' } }] });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: 'READ_ONLY_VALUE', context: { propertyName: ['kustiq_arr_estimate'] } });
    await fx.admin.call('PATCH', `/portals/${fx.emu.portalId}/properties/companies/kustiq_arr_estimate`, { readOnlyValue: false });
  });

  it('keeps a kustiq_* property pre-created with a conflicting type as it is', async () => {
    await fx.admin.call('PUT', `/portals/${fx.emu.portalId}/properties/companies/kustiq_hq_city`, { label: 'HQ', type: 'number', fieldType: 'number' });
    const r = await fx.api('GET', '/crm/v3/properties/companies/kustiq_hq_city');
    expect(r.body).toMatchObject({ type: 'number', fieldType: 'number' });
  });

  it('reads contact↔company associations (v4, ids 1/279 and 2/280) and in v3 list reads', async () => {
    const contacts = await fx.api('GET', '/crm/v3/objects/contacts?limit=20&properties=email,associatedcompanyid&associations=companies');
    const withCompany = contacts.body.results.find((c: any) => c.associations?.companies);
    expect(withCompany).toBeDefined();
    const companyId = withCompany.properties.associatedcompanyid;
    expect(withCompany.associations.companies.results).toContainEqual({ id: companyId, type: 'contact_to_company' });
    const v4 = await fx.api('GET', `/crm/v4/objects/contacts/${withCompany.id}/associations/companies`);
    expect(v4.body.results[0]).toEqual({
      toObjectId: companyId,
      associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }, { category: 'HUBSPOT_DEFINED', typeId: 279 }],
    });
    const back = await fx.api('POST', '/crm/v4/associations/companies/contacts/batch/read', { inputs: [{ id: companyId }] });
    expect(back.body.results[0].to.map((t: any) => t.toObjectId)).toContain(withCompany.id);
    const put = await fx.api('PUT', `/crm/v4/objects/contacts/${withCompany.id}/associations/default/companies/1000010`);
    expect(put.status).toBe(200);
  });

  it('serves lists and their memberships with the lists scope', async () => {
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/lists`, { name: 'Target accounts', recordIds: ['1000001', '1000002', '1000003'] });
    const found = await fx.api('POST', '/crm/v3/lists/search', { query: 'target' });
    expect(found.body.lists[0]).toMatchObject({ name: 'Target accounts', objectTypeId: '0-2' });
    const m = await fx.api('GET', `/crm/v3/lists/${found.body.lists[0].listId}/memberships?limit=2`);
    expect(m.body.results.map((x: any) => x.recordId)).toEqual(['1000001', '1000002']);
    const m2 = await fx.api('GET', `/crm/v3/lists/${found.body.lists[0].listId}/memberships?limit=2&after=${m.body.paging.next.after}`);
    expect(m2.body.results.map((x: any) => x.recordId)).toEqual(['1000003']);
  });

  it('gives account details with time zone and data-hosting region', async () => {
    const r = await fx.api('GET', '/account-info/v3/details');
    expect(r.body).toMatchObject({ portalId: fx.emu.portalId, timeZone: 'US/Eastern', dataHostingLocation: 'na1', uiDomain: 'app.hubspot.com' });
    expect(r.body.utcOffset).toMatch(/^-0[45]:00$/);
  });
});
