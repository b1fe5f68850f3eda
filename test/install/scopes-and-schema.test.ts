import { describe, expect, it } from 'vitest';
import { syncSchema } from '../../server/install/connection';
import { useBackend } from '../support/backend';

describe('install edge cases: scopes, region, conflicting and read-only properties', () => {
  const fx = useBackend({ portalId: 24_200_001 });
  const portal = () => fx.emu.portalId;
  const states = async () => {
    const c = await fx.db.knex('hubspot_connections').where({ portal_id: String(portal()) }).first();
    return fx.db.knex('property_states').where({ connection_id: c.id }).whereNot({ status: 'ok' }).orderBy('name');
  };

  it('a missing required scope ends in ERR_SCOPE_MISSING naming it, and nothing is stored', async () => {
    await fx.admin.settings({ nextGrant: { withhold: ['crm.objects.companies.write'] } });
    const r = await fx.browser().go('/oauth/install?purpose=login');
    expect(r.res.status).toBe(400);
    expect(r.body).toContain('ERR_SCOPE_MISSING');
    expect(r.body).toContain('crm.objects.companies.write');
    expect(r.body).toContain('/docs/troubleshooting#missing-scope');
    expect(await fx.db.knex('hubspot_connections').count<{ count: string }[]>('* as c').then((x) => Number((x[0] as any).c))).toBe(0);
  });

  it('without the contact schema scope, companies work and contacts report ERR_SCOPE_MISSING', async () => {
    // Someone already made kustiq_industry by hand as text, and locked kustiq_hq_city read-only.
    await fx.admin.call('PUT', `/portals/${portal()}/properties/companies/kustiq_industry`, { label: 'Industry (manual)', type: 'string', fieldType: 'text' });
    await fx.admin.call('PUT', `/portals/${portal()}/properties/companies/kustiq_hq_city`, { label: 'HQ city', type: 'string', fieldType: 'text' });
    await fx.admin.call('PATCH', `/portals/${portal()}/properties/companies/kustiq_hq_city`, { readOnlyValue: true });
    // And kustiq_hiring_signal exists with only two of its options.
    await fx.admin.call('PUT', `/portals/${portal()}/properties/companies/kustiq_hiring_signal`, { label: 'Hiring', type: 'enumeration', fieldType: 'select', options: [{ label: 'None', value: 'none' }, { label: 'Custom', value: 'custom_keep' }] });

    await fx.admin.settings({ nextGrant: { withhold: ['crm.schemas.contacts.write'] } });
    const r = await fx.browser().go('/oauth/install?purpose=login');
    expect(r.res.status).toBe(200);
    expect(r.body).toContain('Connected');
    const bad = await states();
    expect(bad.filter((s) => s.object_type === 'contacts').map((s) => s.code)).toEqual(['ERR_SCOPE_MISSING', 'ERR_SCOPE_MISSING', 'ERR_SCOPE_MISSING', 'ERR_SCOPE_MISSING']);
    const companyProblems = bad.filter((s) => s.object_type === 'companies').map((s) => [s.name, s.code]);
    expect(companyProblems).toEqual([['kustiq_hq_city', 'ERR_PROPERTY_READONLY'], ['kustiq_industry', 'ERR_SCHEMA_CONFLICT']]);
    expect(bad.find((s) => s.name === 'kustiq_industry').detail).toMatch(/exists as string\/text; Kustiq needs enumeration\/select/);
    expect(r.body).toContain('ERR_SCHEMA_CONFLICT');
    expect(r.body).toContain('ERR_PROPERTY_READONLY');

    const props = (await fx.admin.call<{ results: { name: string; type: string; options: { value: string }[] }[] }>('GET', `/portals/${portal()}/properties/companies`)).results;
    expect(props.filter((p) => p.name.startsWith('kustiq_'))).toHaveLength(33);
    // The conflicting one is left as the user made it.
    expect(props.find((p) => p.name === 'kustiq_industry')!.type).toBe('string');
    // Missing options were added; the user's own option was not removed.
    expect(props.find((p) => p.name === 'kustiq_hiring_signal')!.options.map((o) => o.value)).toEqual(['none', 'custom_keep', 'low', 'moderate', 'high', 'surging']);
    const contactProps = (await fx.admin.call<{ results: { name: string }[] }>('GET', `/portals/${portal()}/properties/contacts`)).results;
    expect(contactProps.some((p) => p.name.startsWith('kustiq_'))).toBe(false);
  });

  it('once the user deletes the conflicting property, the next run recreates it', async () => {
    await fx.admin.call('DELETE', `/portals/${portal()}/properties/companies/kustiq_industry`);
    const report = await syncSchema(fx.services, portal());
    expect(report.created).toEqual(['companies.kustiq_industry']);
    const p = (await fx.admin.call<{ results: { name: string; type: string; fieldType: string }[] }>('GET', `/portals/${portal()}/properties/companies`)).results.find((x) => x.name === 'kustiq_industry')!;
    expect([p.type, p.fieldType]).toEqual(['enumeration', 'select']);
    expect((await states()).map((s) => s.name)).not.toContain('kustiq_industry');
  });
});

describe('region mismatch', () => {
  const fx = useBackend({ portalId: 24_300_001, dataHostingLocation: 'eu1' });
  it('an EU portal on a US workspace connects with an ERR_REGION_MISMATCH warning', async () => {
    const r = await fx.browser().go('/oauth/install?purpose=login');
    expect(r.res.status).toBe(200);
    expect(r.body).toContain('Connected');
    expect(r.body).toContain('ERR_REGION_MISMATCH');
    expect(r.body).toContain('/docs/troubleshooting#region-mismatch');
    const row = await fx.db.knex('hubspot_connections').first();
    expect(row).toMatchObject({ status: 'connected', data_hosting_location: 'eu1', time_zone: 'Europe/Berlin' });
    expect(row.region_warning).toMatch(/^ERR_REGION_MISMATCH/);
    const docs = await fx.browser().go('/docs/troubleshooting');
    expect(docs.body).toContain('id="region-mismatch"');
  });
});
