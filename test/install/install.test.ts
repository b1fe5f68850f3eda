import { describe, expect, it } from 'vitest';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES } from '../../server/schema/catalog';
import { REQUIRED_SCOPES } from '../../server/hubspot/scopes';
import { syncSchema } from '../../server/install/connection';
import { useBackend } from '../support/backend';

describe('OAuth install, token vault at rest, and the kustiq_* schema', () => {
  const fx = useBackend({ portalId: 24_100_001 });
  const portal = () => fx.emu.portalId;

  async function hubspotProperties(type: 'companies' | 'contacts') {
    return (await fx.admin.call<{ results: { name: string; type: string; fieldType: string; groupName: string; options: { value: string }[] }[] }>('GET', `/portals/${portal()}/properties/${type}`)).results.filter((p) => p.name.startsWith('kustiq_'));
  }

  it('connects with every scope: encrypted tokens, account details, 37 properties, a session', async () => {
    const b = fx.browser();
    const { res, visited, body } = await b.go('/oauth/install?purpose=login');
    expect(visited.some((u) => u.startsWith(`${fx.emu.url}/oauth/authorize`))).toBe(true);
    const authorize = new URL(visited.find((u) => u.startsWith(`${fx.emu.url}/oauth/authorize`))!);
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual([...REQUIRED_SCOPES]);
    expect(authorize.searchParams.get('optional_scope')).toBe('crm.schemas.contacts.write crm.lists.read');
    expect(res.status).toBe(200);
    expect(visited.at(-1)).toBe(`${fx.url}/integrations`);
    expect(body).toContain('Connected');
    expect(body).toContain(String(portal()));

    const session = b.setCookieHeaders.find((c) => c.startsWith('kustiq_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);

    const row = await fx.db.knex('hubspot_connections').where({ portal_id: String(portal()) }).first();
    expect(row).toMatchObject({ status: 'connected', status_code: null, time_zone: 'US/Eastern', data_hosting_location: 'na1', region_warning: null });
    expect(row.scopes).toEqual(expect.arrayContaining([...REQUIRED_SCOPES, 'crm.schemas.contacts.write', 'crm.lists.read']));
    // Tokens are ciphertext with a key id, never the values HubSpot issued.
    const issued = [...fx.emu.state.tokens.values()].filter((t) => t.portalId === portal());
    for (const t of issued) {
      expect(row.refresh_token_enc).not.toContain(t.token);
      expect(row.access_token_enc).not.toContain(t.token);
    }
    expect(row.refresh_token_enc).toMatch(/^v2\.k[0-9a-f]+\./);

    const company = await hubspotProperties('companies');
    const contact = await hubspotProperties('contacts');
    expect(company.map((p) => p.name).sort()).toEqual(COMPANY_PROPERTIES.map((p) => p.name).sort());
    expect(contact.map((p) => p.name).sort()).toEqual(CONTACT_PROPERTIES.map((p) => p.name).sort());
    for (const p of [...company, ...contact]) expect(p.groupName).toBe('kustiq');
    const industry = company.find((p) => p.name === 'kustiq_industry')!;
    expect([industry.type, industry.fieldType]).toEqual(['enumeration', 'select']);
    expect(industry.options.map((o) => o.value)).toContain('fintech');
  });

  it('on a portal that has the schema, ensuring it again only reads', async () => {
    await fx.admin.clearRequests();
    const report = await syncSchema(fx.services, portal());
    expect(report.created).toEqual([]);
    const log = await fx.admin.requests(portal());
    const crm = log.entries.filter((e) => e.path.startsWith('/crm/'));
    expect(crm.length).toBeGreaterThan(0);
    expect(crm.every((e) => e.method === 'GET')).toBe(true);
    expect(crm).toHaveLength(4); // groups + properties, for companies and contacts
  });

  it('reinstalling updates the same workspace and connection', async () => {
    const before = await fx.db.knex('hubspot_connections').count<{ count: string }[]>('* as count');
    await fx.browser().go('/oauth/install?purpose=login');
    const after = await fx.db.knex('hubspot_connections').count<{ count: string }[]>('* as count');
    expect(after[0]!.count).toBe(before[0]!.count);
    expect(Number((await fx.db.knex('workspaces').count<{ count: string }[]>('* as count'))[0]!.count)).toBe(1);
  });

  it('refuses a forged, a replayed, an expired and another browser\u2019s state', async () => {
    const forged = await fx.browser().go(`/oauth/callback?state=forged&code=x`);
    expect(forged.res.status).toBe(400);
    expect(forged.body).toMatch(/not valid or was already used/);

    // Replay: stop before the callback, use it, then use it again.
    const b = fx.browser();
    const start = await b.request('/oauth/install?purpose=connect');
    const auth = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = auth.headers.get('location')!;
    expect((await b.go(callback)).visited.at(-1)).toBe(`${fx.url}/integrations`);
    const replay = await b.go(callback);
    expect(replay.res.status).toBe(400);
    expect(replay.body).toMatch(/already used/);

    // Another browser: the state is real, the nonce cookie is not there.
    const b2 = fx.browser();
    const s2 = await b2.request('/oauth/install?purpose=connect');
    const cb2 = (await fetch(s2.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    const other = await fx.browser().go(cb2);
    expect(other.res.status).toBe(400);
    expect(other.body).toMatch(/started in another browser/);

    // Expired.
    const b3 = fx.browser();
    const s3 = await b3.request('/oauth/install?purpose=connect');
    const cb3 = (await fetch(s3.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    await fx.db.knex('oauth_states').whereNull('used_at').update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await b3.go(cb3);
    expect(expired.res.status).toBe(400);
    expect(expired.body).toMatch(/expired/);
  });

  it('shows HubSpot\u2019s error and error_description as a readable page', async () => {
    await fx.admin.settings({ nextGrant: { withhold: [], error: 'access_denied', errorDescription: 'The user declined' } });
    const r = await fx.browser().go('/oauth/install?purpose=connect');
    expect(r.res.status).toBe(400);
    expect(r.body).toContain('access_denied');
    expect(r.body).toContain('The user declined');
    expect(r.res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('answers bad input with a 4xx naming the field', async () => {
    const r = await fx.browser().go('/oauth/install?purpose=everything');
    expect(r.res.status).toBe(400);
    expect(JSON.parse(r.body).error.fields[0].field).toBe('purpose');
  });
});
