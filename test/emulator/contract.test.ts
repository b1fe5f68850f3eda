import { afterAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator';
import { ContractValidator } from '../support/openapi';

/**
 * Every response Kustiq relies on, validated against HubSpot's OpenAPI specs (responses
 * strictly, see test/support/openapi.ts). Requests are HubSpot-valid but lenient: the
 * specs mark some optional request fields required.
 */
describe('contract: the local HubSpot answers as HubSpot\u2019s OpenAPI specs say', () => {
  const contracts = new ContractValidator();
  const fx = useEmulator({ companies: 30, contacts: 40, settings: { rateLimit: { enabled: false, max: 110, windowMs: 10_000, searchPerSecond: 5 } } });
  const problems: string[] = [];
  const seen: string[] = [];

  async function call(method: string, path: string, body?: unknown, expectStatus?: number) {
    const r = await fx.api(method, path, body);
    if (expectStatus !== undefined) expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(expectStatus);
    const pathname = new URL(path, 'http://x').pathname;
    problems.push(...contracts.check(method, pathname, r.status, r.body));
    seen.push(`${method} ${contracts.route(method, pathname)?.template ?? pathname} ${r.status}`);
    return r;
  }
  async function form(path: string, params: Record<string, string>, expectStatus: number) {
    const res = await fetch(new URL(path, fx.emu.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    expect(res.status, `${path}: ${text}`).toBe(expectStatus);
    problems.push(...contracts.check('POST', path, res.status, body));
    seen.push(`POST ${path} ${res.status}`);
    return body;
  }

  afterAll(() => {
    // Printed so a reader sees what the contract covers.
    console.info(`contract-checked ${seen.length} responses:\n  ${[...new Set(seen)].join('\n  ')}`);
  });

  it('OAuth: token (v1, 2026-03), introspection, refresh-token info and revoke', async () => {
    const app = { client_id: fx.emu.clientId, client_secret: fx.emu.clientSecret };
    await form('/oauth/v1/token', { grant_type: 'refresh_token', ...app, refresh_token: fx.token.refresh_token }, 200);
    await form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...app, refresh_token: fx.token.refresh_token }, 200);
    await form('/oauth/2026-03/token', { grant_type: 'refresh_token', ...app, refresh_token: 'na1-unknown' }, 400);
    await form('/oauth/2026-03/token/introspect', { ...app, token: fx.token.access_token, token_type_hint: 'access_token' }, 200);
    await form('/oauth/2026-03/token/introspect', { ...app, token: fx.token.refresh_token, token_type_hint: 'refresh_token' }, 200);
    await form('/oauth/2026-03/token/introspect', { ...app, token: 'CO-no-such-token', token_type_hint: 'access_token' }, 200);
    for (const [p, tok] of [['/oauth/v1/access-tokens/', fx.token.access_token], ['/oauth/v1/refresh-tokens/', fx.token.refresh_token]] as const) {
      const res = await fetch(new URL(p + tok, fx.emu.url));
      problems.push(...contracts.check('GET', p + tok, res.status, await res.json()));
    }
    expect(problems).toEqual([]);
  });

  it('account details, properties and groups', async () => {
    await call('GET', '/account-info/v3/details', undefined, 200);
    await call('GET', '/crm/v3/properties/companies', undefined, 200);
    await call('GET', '/crm/v3/properties/companies/groups', undefined, 200);
    await call('POST', '/crm/v3/properties/companies/groups', { name: 'kustiq', label: 'Kustiq', displayOrder: -1 }, 201);
    await call('GET', '/crm/v3/properties/companies/groups/kustiq', undefined, 200);
    await call('POST', '/crm/v3/properties/companies', { name: 'kustiq_hq_city', label: 'HQ city', type: 'string', fieldType: 'text', groupName: 'kustiq', description: 'city' }, 201);
    await call('POST', '/crm/v3/properties/companies/batch/create', { inputs: [
      { name: 'kustiq_industry', label: 'Industry', type: 'enumeration', fieldType: 'select', groupName: 'kustiq', description: 'industry', options: [{ label: 'Software', value: 'software', hidden: false }] },
    ] }, 201);
    await call('POST', '/crm/v3/properties/companies/batch/create', { inputs: [{ name: 'kustiq_hq_city', label: 'HQ city', type: 'string', fieldType: 'text', groupName: 'kustiq' }] }, 207);
    await call('POST', '/crm/v3/properties/companies/batch/read', { inputs: [{ name: 'kustiq_industry' }, { name: 'kustiq_missing' }], archived: false, properties: [] }, 207);
    await call('POST', '/crm/v3/properties/companies/batch/read', { inputs: [{ name: 'kustiq_industry' }], archived: false, properties: [] }, 200);
    await call('GET', '/crm/v3/properties/companies/kustiq_industry', undefined, 200);
    await call('PATCH', '/crm/v3/properties/companies/kustiq_industry', { options: [{ label: 'Software', value: 'software', hidden: false }, { label: 'Retail', value: 'retail', hidden: false }] }, 200);
    await call('POST', '/crm/v3/properties/companies', { name: 'kustiq_bad', label: 'x', type: 'number', fieldType: 'select', groupName: 'kustiq' }, 400);
    await call('GET', '/crm/v3/properties/companies/kustiq_nope', undefined, 404);
    expect(problems).toEqual([]);
  });

  it('objects: list, get, batch read/update, search, and their errors', async () => {
    await call('GET', '/crm/v3/objects/companies?limit=5&properties=name,domain', undefined, 200);
    await call('GET', '/crm/v3/objects/contacts?limit=5&associations=companies', undefined, 200);
    await call('GET', '/crm/v3/objects/companies/1000001?properties=name,kustiq_industry', undefined, 200);
    await call('GET', '/crm/v3/objects/companies/42', undefined, 404);
    await call('POST', '/crm/v3/objects/companies/batch/read', { inputs: [{ id: '1000001' }, { id: '1000002' }], properties: ['name'], propertiesWithHistory: [] }, 200);
    await call('POST', '/crm/v3/objects/companies/batch/read', { inputs: [{ id: '1000001' }, { id: '7' }], properties: ['name'], propertiesWithHistory: [] }, 207);
    await call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: '1000001', properties: { kustiq_industry: 'software', kustiq_hq_city: 'Bentonville' } }] }, 200);
    await call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: '1000001', properties: { kustiq_hq_city: 'X' } }, { id: '9' , properties: { kustiq_hq_city: 'Y' } }] }, 207);
    await call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: '1000001', properties: { kustiq_industry: 'mining' } }] }, 400);
    await call('PATCH', '/crm/v3/objects/companies/1000002', { properties: { kustiq_hq_city: 'Seattle' } }, 200);
    await call('POST', '/crm/v3/objects/companies', { properties: { name: 'Contract Test AG', domain: 'contract-test.ch' } }, 201);
    await call('POST', '/crm/v3/objects/companies/batch/create', { inputs: [{ properties: { name: 'Batch One' }, associations: [] }] }, 201);
    await call('POST', '/crm/v3/objects/companies/search', { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GT', value: '0' }] }], sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], properties: ['name', 'domain'], limit: 10, after: '0' }, 200);
    await call('POST', '/crm/v3/objects/companies/search', { limit: 10, after: '10000' }, 400);
    await call('POST', '/crm/v3/objects/contacts/search', { query: 'jane', limit: 5 }, 200);
    expect(problems).toEqual([]);
  });

  it('associations v4 and lists', async () => {
    const c = await call('GET', '/crm/v3/objects/contacts?limit=10&properties=associatedcompanyid', undefined, 200);
    const contact = c.body.results.find((x: any) => x.properties.associatedcompanyid);
    await call('GET', `/crm/v4/objects/contacts/${contact.id}/associations/companies`, undefined, 200);
    await call('POST', '/crm/v4/associations/contacts/companies/batch/read', { inputs: [{ id: contact.id }] }, 200);
    await call('PUT', `/crm/v4/objects/contacts/${contact.id}/associations/default/companies/1000003`, undefined, 200);
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/lists`, { name: 'ICP accounts', recordIds: ['1000001'] });
    const lists = await call('POST', '/crm/v3/lists/search', { query: 'ICP', count: 10, offset: 0 }, 200);
    await call('GET', `/crm/v3/lists/${lists.body.lists[0].listId}`, undefined, 200);
    await call('GET', `/crm/v3/lists/${lists.body.lists[0].listId}/memberships?limit=10`, undefined, 200);
    expect(problems).toEqual([]);
  });

  it('auth and rate-limit errors carry HubSpot\u2019s error body', async () => {
    const r = await fx.api('GET', '/crm/v3/objects/companies', undefined, 'not-a-token');
    expect(r.status).toBe(401);
    problems.push(...contracts.check('GET', '/crm/v3/objects/companies', 401, r.body));
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/scopes/remove`, { scopes: ['crm.lists.read'] });
    await call('POST', '/crm/v3/lists/search', {}, 403);
    await call('DELETE', '/appinstalls/v3/external-install', undefined, 204);
    expect(problems).toEqual([]);
  });

  it('the validator itself rejects a response that breaks the spec', () => {
    expect(contracts.check('GET', '/account-info/v3/details', 200, { portalId: 'x' })).not.toEqual([]);
    expect(contracts.check('GET', '/crm/v3/objects/companies', 200, { results: [{ id: '1', properties: {}, createdAt: 'x', updatedAt: 'y', archived: false, invented: 1 }] }))
      .toEqual(expect.arrayContaining([expect.stringMatching(/invented/)]));
  });
});
