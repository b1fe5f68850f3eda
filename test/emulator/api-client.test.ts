import { Client } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { KUSTIQ_OPTIONAL_SCOPES, KUSTIQ_REQUIRED_SCOPES } from '../../emulator/client';
import { useEmulator } from '../support/emulator';

/** The official @hubspot/api-client, pointed at the emulator with basePath, works unchanged. */
describe('@hubspot/api-client against the local HubSpot', () => {
  const fx = useEmulator({ companies: 120, contacts: 50 });
  const client = () => new Client({ accessToken: fx.token.access_token, basePath: fx.emu.url });

  it('OAuth: exchanges a code and refreshes through oauth.tokensApi (v1)', async () => {
    const redirectUri = 'http://localhost:3000/oauth/callback';
    const anon = new Client({ basePath: fx.emu.url });
    const authUrl = anon.oauth.getAuthorizationUrl(fx.emu.clientId, redirectUri, KUSTIQ_REQUIRED_SCOPES.join(' '), KUSTIQ_OPTIONAL_SCOPES.join(' '), 'st');
    const u = new URL(authUrl);
    const res = await fetch(new URL(`/oauth/authorize${u.search}`, fx.emu.url), { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const tokens = await anon.oauth.tokensApi.create('authorization_code', code, redirectUri, fx.emu.clientId, fx.emu.clientSecret);
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.expiresIn).toBe(1800);
    const refreshed = await anon.oauth.tokensApi.create('refresh_token', undefined, undefined, fx.emu.clientId, fx.emu.clientSecret, tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    const info = await anon.oauth.accessTokensApi.get(refreshed.accessToken);
    expect(info.hubId).toBe(fx.emu.portalId);
  });

  it('lists and pages companies with basicApi.getPage', async () => {
    const c = client();
    const first = await c.crm.companies.basicApi.getPage(100, undefined, ['name', 'domain']);
    expect(first.results).toHaveLength(100);
    const second = await c.crm.companies.basicApi.getPage(100, first.paging!.next!.after, ['name', 'domain']);
    expect(second.results).toHaveLength(20);
    expect(second.paging).toBeUndefined();
    const all = await c.crm.companies.getAll(100, undefined, ['name']);
    expect(all).toHaveLength(120);
  });

  it('creates properties and groups, batch-updates and batch-reads records', async () => {
    const c = client();
    await c.crm.properties.groupsApi.create('companies', { name: 'kustiq', label: 'Kustiq', displayOrder: -1 });
    await c.crm.properties.coreApi.create('companies', {
      name: 'kustiq_hiring_signal', label: 'Hiring signal', type: 'enumeration' as never, fieldType: 'select' as never, groupName: 'kustiq',
      description: 'Hiring activity', options: [{ label: 'High', value: 'high', hidden: false, displayOrder: 0 }, { label: 'Low', value: 'low', hidden: false, displayOrder: 1 }],
    });
    const props = await c.crm.properties.coreApi.getAll('companies');
    expect(props.results.map((p) => p.name)).toContain('kustiq_hiring_signal');
    const upd = await c.crm.companies.batchApi.update({ inputs: [{ id: '1000001', properties: { kustiq_hiring_signal: 'high' } }, { id: '1000002', properties: { kustiq_hiring_signal: 'low' } }] });
    expect(upd.results).toHaveLength(2);
    const read = await c.crm.companies.batchApi.read({ inputs: [{ id: '1000001' }, { id: '1000002' }], properties: ['kustiq_hiring_signal'], propertiesWithHistory: [] });
    expect(read.results.map((r) => r.properties.kustiq_hiring_signal).sort()).toEqual(['high', 'low']);
  });

  it('searches with searchApi.doSearch', async () => {
    const res = await client().crm.companies.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ' as never, value: 'amazon.com' }] }],
      properties: ['name', 'domain'], limit: 10, after: '0', sorts: [],
    });
    expect(res.total).toBe(1);
    expect(res.results[0]!.properties.name).toBe('Amazon');
  });

  it('surfaces HubSpot errors as the client\u2019s ApiException with the body', async () => {
    await expect(client().crm.companies.basicApi.getById('404404')).rejects.toMatchObject({ code: 404 });
    await expect(client().crm.companies.batchApi.update({ inputs: [{ id: '1000001', properties: { kustiq_hiring_signal: 'extreme' } }] }))
      .rejects.toMatchObject({ code: 400, body: expect.objectContaining({ category: 'VALIDATION_ERROR' }) });
  });

  it('reads associations through crm.associations.v4', async () => {
    const contacts = await client().crm.contacts.basicApi.getPage(50, undefined, ['associatedcompanyid']);
    const withCompany = contacts.results.find((c) => c.properties.associatedcompanyid)!;
    const assoc = await client().crm.associations.v4.basicApi.getPage('contacts', withCompany.id, 'companies');
    expect(assoc.results[0]!.toObjectId).toBe(withCompany.properties.associatedcompanyid);
  });
});
