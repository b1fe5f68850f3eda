import { beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../../server/worker/sync-jobs';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { waitForRun } from '../support/runs';

/** A portal whose syncs cover one HubSpot company list (the optional crm.lists.read scope). */
describe('syncing one HubSpot list', () => {
  const fx = useBackend({ companies: 600, contacts: 0 }, {}, { worker: true, emulatorProcess: true });
  let csrf: string;
  let b: ReturnType<typeof fx.browser>;
  type Rec = { id: string; properties: Record<string, string | undefined> };
  let members: string[];
  let listId: string;

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 900);
    b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const companies = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=1000`)).results;
    // 260 members: two membership pages (200 a page), three batch reads of up to 100.
    members = companies.filter((_, i) => i % 2 === 0).slice(0, 260).map((c) => c.id);
    listId = (await fx.admin.call<{ listId: string }>('POST', `/portals/${fx.emu.portalId}/lists`, { name: 'Target accounts', recordIds: members })).listId;
    await fx.admin.call('POST', `/portals/${fx.emu.portalId}/lists`, { name: 'Newsletter', objectType: 'contacts', recordIds: [] });
  });

  const put = (body: unknown) => b.go('/api/sync/scope', { method: 'PUT', headers: { 'x-kustiq-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses a list that is missing or not a company list, naming the field', async () => {
    const contactsList = (await fx.admin.call<{ lists: { listId: string; name: string }[] }>('GET', `/portals/${fx.emu.portalId}`)).lists.find((l) => l.name === 'Newsletter')!;
    for (const [body, problem] of [[{ listId: contactsList.listId }, 'is not a company list'], [{ listId: '999999' }, 'has no list 999999'], [{ listId: 'abc' }, 'must be a HubSpot list id']] as const) {
      const r = await put(body);
      expect(r.res.status, r.body).toBe(400);
      const err = JSON.parse(r.body).error;
      expect(err.fields[0].field).toBe('listId');
      expect(err.fields[0].problem).toContain(problem);
    }
  });

  it('reads and writes only the list\'s members, with membership pages and batch reads', async () => {
    const page = await b.go('/sync/scope');
    expect(page.body).toContain('Target accounts (260 companies)');
    expect(page.body).not.toContain('Newsletter');
    const r = await put({ listId });
    expect(r.res.status, r.body).toBe(200);
    expect(JSON.parse(r.body).scope).toMatchObject({ listId, name: 'Target accounts' });
    expect((await b.go('/sync')).body).toContain('members of the HubSpot list <strong>Target accounts</strong>');
    // A member deleted from HubSpot after joining the list: nothing to sync for it.
    await fx.admin.call('DELETE', `/portals/${fx.emu.portalId}/objects/companies/${members[5]}`).catch(() => undefined);
    await fx.admin.clearRequests();
    const run = await waitForRun(fx.db.knex, await startSync(fx.services.boss!, fx.services, fx.emu.portalId));
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.cursor.listId).toBe(listId);
    const companies = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=1000`)).results;
    const written = companies.filter((c) => c.properties.kustiq_profile_id).map((c) => c.id);
    const inList = new Set(members);
    expect(written.length).toBeGreaterThan(200);
    expect(written.every((id) => inList.has(id))).toBe(true);
    const matched = await fx.db.knex('company_matches').where({ status: 'matched' }).pluck('company_id');
    expect(matched.every((id) => inList.has(id))).toBe(true);
    expect(written.length).toBe(matched.length);
    const log = await fx.admin.requests(fx.emu.portalId);
    const count = (re: RegExp) => log.entries.filter((e) => re.test(e.path)).length;
    expect(count(/\/lists\/\d+\/memberships$/)).toBe(2);
    expect(count(/\/objects\/companies\/batch\/read$/)).toBe(3);
    expect(count(/\/objects\/companies\/search$/)).toBe(0);
    expect(log.http429).toBe(0);
  });

  it('back to all companies', async () => {
    const r = await put({ listId: null });
    expect(JSON.parse(r.body)).toEqual({ scope: null });
    expect((await fx.db.knex('hubspot_connections').first()).sync_list_id).toBeNull();
  });
});
