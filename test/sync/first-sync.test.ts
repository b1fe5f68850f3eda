import { beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_PROPERTIES } from '../../server/schema/catalog';
import { planNightlyRuns, startSync } from '../../server/worker/sync-jobs';
import { nightlyDue, portalTimeZone } from '../../server/sync/nightly-plan';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';

/** A first sync of a seeded portal through the real pg-boss worker, at HubSpot's limits. */
describe('the first sync of a portal', () => {
  const fx = useBackend({ companies: 900, contacts: 1500 }, {}, { worker: true, emulatorProcess: true });

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 1200);
    await fx.browser().go('/oauth/install?purpose=login');
  });

  const waitRun = async (runId: string) => {
    for (let i = 0; i < 600; i++) {
      const run = await fx.db.knex('sync_runs').where({ id: runId }).first();
      if (['succeeded', 'failed', 'waiting'].includes(run.status)) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('sync did not finish');
  };

  it('writes all 33 properties to matched companies and the 4 to their contacts, without a 429', async () => {
    await fx.admin.clearRequests();
    const runId = await startSync(fx.services.boss!, fx.services, fx.emu.portalId);
    const run = await waitRun(runId);
    expect(run.status, run.error_detail).toBe('succeeded');
    type Rec = { id: string; properties: Record<string, string | undefined> };
    const all = (type: string) => fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/${type}?limit=100000`).then((r) => r.results);
    const companies = await all('companies');
    const matches = new Map((await fx.db.knex('company_matches').select('company_id', 'status', 'profile_id')).map((m) => [m.company_id, m]));
    const written = companies.filter((c) => c.properties.kustiq_profile_id);
    expect(written.length).toBe([...matches.values()].filter((m) => m.status === 'matched').length);
    expect(written.length).toBeGreaterThan(800);
    const profiles = new Map((await fx.db.knex('profiles').select('id', 'values')).map((p) => [p.id, p.values as Record<string, string>]));
    let valuesChecked = 0;
    for (const c of written) {
      expect(c.properties.kustiq_profile_id).toBe(matches.get(c.id)!.profile_id);
      const values = profiles.get(c.properties.kustiq_profile_id!)!;
      // Every catalog value the profile has is on the record, as written by the graph.
      for (const p of COMPANY_PROPERTIES) {
        const v = values[p.name.slice('kustiq_'.length)];
        if (v !== undefined) { expect(c.properties[p.name], `${c.id} ${p.name}`).toBe(String(v)); valuesChecked++; }
      }
      expect(c.properties.kustiq_match_method).toMatch(/^(domain|name|manual)$/);
      expect(Number(c.properties.kustiq_match_confidence)).toBeGreaterThanOrEqual(80);
      expect(Date.parse(c.properties.kustiq_last_synced_at!), c.properties.kustiq_last_synced_at).toBeGreaterThan(Date.now() - 120_000);
    }
    expect(valuesChecked).toBeGreaterThan(written.length * 15);
    // Nothing below 80 was written, and no native field was touched by the integration.
    for (const c of companies.filter((x) => matches.get(x.id)?.status !== 'matched')) expect(c.properties.kustiq_profile_id ?? '').toBe('');
    const contacts = await all('contacts');
    const enriched = contacts.filter((c) => c.properties.kustiq_contact_role);
    expect(enriched.length).toBeGreaterThan(1000);
    for (const c of enriched) {
      const companyOk = c.properties.associatedcompanyid && matches.get(String(c.properties.associatedcompanyid))?.status === 'matched';
      expect(companyOk || c.properties.email?.split('@')[1], c.id).toBeTruthy();
    }
    const counts = run.counts;
    expect(counts).toMatchObject({ companiesRead: 900, contactsRead: 1500, companiesWritten: written.length, contactsWritten: enriched.length, failedRecords: 0 });
    // The request count is the floor: search pages plus one write per 100 records (plus the options check).
    const log = await fx.admin.requests(fx.emu.portalId);
    expect(log.http429).toBe(0);
    expect(run.http429).toBe(0);
    const minimum = Math.ceil(900 / 200) + 1 + Math.ceil(1500 / 200) + 1 + Math.ceil(written.length / 100) + Math.ceil(enriched.length / 100);
    expect(run.requests).toBeLessThanOrEqual(minimum + 3);
    expect(await fx.db.knex('sync_batches').where({ run_id: runId }).sum('written as n').first()).toEqual({ n: String(written.length + enriched.length) });
  });

  it('a second full run rewrites nothing that has not changed', async () => {
    const runId = await startSync(fx.services.boss!, fx.services, fx.emu.portalId, 'full');
    const run = await waitRun(runId);
    expect(run.counts).toMatchObject({ companiesWritten: 0, contactsWritten: 0 });
    expect(run.counts.companiesUnchanged).toBeGreaterThan(800);
  });

  it('a nightly run reads only what changed in HubSpot, writes only what changed, and never rereads its own writes', async () => {
    type Rec = { id: string; properties: Record<string, string | undefined> };
    await new Promise((r) => setTimeout(r, 50));
    // 1% of the profiles change in the graph; a few records change in HubSpot.
    const changed = await fx.db.knex('company_matches').where({ status: 'matched' }).orderBy('company_id').limit(9).select('profile_id', 'company_id');
    await fx.db.knex('profiles').whereIn('id', changed.map((c) => c.profile_id))
      .update({ values: fx.db.knex.raw(`jsonb_set("values", '{open_roles}', '"977"')`), values_changed_at: fx.db.knex.fn.now() });
    const companies = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=2000`)).results;
    const renamed = companies.slice(300, 304);
    for (const c of renamed) await fx.admin.call('PATCH', `/portals/${fx.emu.portalId}/objects/companies/${c.id}`, { properties: { name: `${c.properties.name} ` } });
    const contacts = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/contacts?limit=2000`)).results.filter((c) => c.properties.kustiq_contact_role).slice(0, 3);
    for (const c of contacts) await fx.admin.call('PATCH', `/portals/${fx.emu.portalId}/objects/contacts/${c.id}`, { properties: { jobtitle: c.properties.kustiq_contact_department === 'finance' ? 'Head of Design' : 'Chief Financial Officer' } });
    await fx.admin.clearRequests();

    const run = await waitRun(await startSync(fx.services.boss!, fx.services, fx.emu.portalId, 'nightly', { overlapMs: 0 }));
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.kind).toBe('nightly');
    expect(run.counts).toMatchObject({ companiesRead: renamed.length, contactsRead: contacts.length, companiesWritten: changed.length, contactsWritten: contacts.length });
    const log = await fx.admin.requests(fx.emu.portalId);
    // One search page each, one write batch each: nothing else.
    expect(log.entries.filter((e) => e.path.endsWith('/search')).length).toBe(2);
    expect(log.entries.filter((e) => e.path.endsWith('/batch/update')).length).toBe(2);
    for (const c of changed) {
      const rec = await fx.admin.call<Rec>('GET', `/portals/${fx.emu.portalId}/objects/companies/${c.company_id}`);
      expect(rec.properties.kustiq_open_roles).toBe('977');
    }
    // The next night: nothing changed, and Kustiq's own writes are not read again.
    await fx.admin.clearRequests();
    const quiet = await waitRun(await startSync(fx.services.boss!, fx.services, fx.emu.portalId, 'nightly', { overlapMs: 0 }));
    expect(quiet.counts).toMatchObject({ companiesRead: 0, contactsRead: 0, companiesWritten: 0, contactsWritten: 0 });
    expect((await fx.admin.requests(fx.emu.portalId)).total).toBe(2);
  });

  it('the planner starts each portal\'s nightly run once, in its window', async () => {
    const conn = await fx.db.knex('hubspot_connections').first();
    const tz = portalTimeZone(conn);
    // The next instant the portal is due (its minute in 02:00–04:00 local).
    // Given the runs this portal already had (the tests above ran nightly ones).
    const last = await fx.db.knex('sync_runs').whereIn('kind', ['nightly', 'full']).max('created_at as at').first();
    const lastAt = last?.at ? new Date(last.at) : null;
    let at = Date.now();
    while (!nightlyDue(new Date(at), tz, fx.emu.portalId, lastAt).due) at += 60_000;
    const plan = await planNightlyRuns(fx.services.boss!, fx.services, new Date(at));
    expect(plan.started).toEqual([fx.emu.portalId]);
    expect((await planNightlyRuns(fx.services.boss!, fx.services, new Date(at + 5 * 60_000))).started).toEqual([]);
    const run = await fx.db.knex('sync_runs').whereIn('kind', ['nightly', 'full']).orderBy('created_at', 'desc').first();
    expect(['nightly', 'full']).toContain(run.kind);
    expect((await waitRun(run.id)).status).toBe('succeeded');
  });
});

describe('"Sync now" for one record', () => {
  const fx = useBackend({ companies: 40, contacts: 40 }, {}, { worker: true, emulatorProcess: true });
  let csrf: string;
  let b: ReturnType<typeof fx.browser>;
  type Rec = { id: string; properties: Record<string, string | undefined> };

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 600);
    b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  });

  const syncNow = async (objectType: string, id: string) => {
    const r = await b.go(`/api/records/${objectType}/${id}/sync`, { method: 'POST', headers: { 'x-kustiq-csrf': csrf } });
    expect(r.res.status, r.body).toBe(202);
    const { sync } = JSON.parse(r.body);
    for (let i = 0; i < 100; i++) {
      const s = JSON.parse((await b.go(`/api/record-syncs/${sync.id}`)).body).sync;
      if (s.status === 'succeeded' || s.status === 'failed') return s;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    throw new Error('record sync did not finish');
  };

  it('writes a company at once, and says why when it cannot', async () => {
    const companies = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=100`)).results;
    // Fortune 500 companies by their own domain: matched.
    const s = await syncNow('companies', companies[0]!.id);
    expect(s).toMatchObject({ status: 'succeeded', outcome: 'written', code: null });
    const rec = await fx.admin.call<Rec>('GET', `/portals/${fx.emu.portalId}/objects/companies/${companies[0]!.id}`);
    expect(rec.properties.kustiq_profile_id).toBe(s.properties.kustiq_profile_id);
    expect(Date.parse(rec.properties.kustiq_last_synced_at!)).toBe(Number(s.properties.kustiq_last_synced_at));
    // A company with no domain: skipped, with its code.
    const created = await fx.admin.call<Rec>('POST', `/portals/${fx.emu.portalId}/objects/companies`, { properties: { name: 'Nameless Holdings' } });
    expect(await syncNow('companies', created.id)).toMatchObject({ status: 'succeeded', outcome: 'skipped', code: 'ERR_DOMAIN_EMPTY' });
    expect(await syncNow('companies', '99999999')).toMatchObject({ outcome: 'skipped', code: 'record_gone' });
  });

  it('re-enriches a contact after its job title changes, and refuses bad ids', async () => {
    const walmart = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=100`)).results.find((c) => c.properties.name === 'Walmart')!;
    const contact = await fx.admin.call<Rec>('POST', `/portals/${fx.emu.portalId}/objects/contacts`, { properties: { email: 'jane.doe@walmart.com', firstname: 'Jane', lastname: 'Doe', jobtitle: 'Marketing Intern' } });
    await syncNow('companies', walmart.id);
    expect(await syncNow('contacts', contact.id)).toMatchObject({ outcome: 'written', properties: { kustiq_contact_seniority: 'intern' } });
    await fx.admin.call('PATCH', `/portals/${fx.emu.portalId}/objects/contacts/${contact.id}`, { properties: { jobtitle: 'SVP, Finance' } });
    const s = await syncNow('contacts', contact.id);
    expect(s.properties).toMatchObject({ kustiq_contact_seniority: 'vp', kustiq_contact_department: 'finance', kustiq_contact_role: 'decision_maker' });
    const rec = await fx.admin.call<Rec>('GET', `/portals/${fx.emu.portalId}/objects/contacts/${contact.id}`);
    expect(rec.properties).toMatchObject({ kustiq_contact_seniority: 'vp', email: 'jane.doe@walmart.com', jobtitle: 'SVP, Finance' });
    const lone = await fx.admin.call<Rec>('POST', `/portals/${fx.emu.portalId}/objects/contacts`, { properties: { email: 'sam@gmail.com', jobtitle: 'CEO' } });
    expect(await syncNow('contacts', lone.id)).toMatchObject({ outcome: 'skipped', code: 'no_matched_company' });
    const bad = await b.go('/api/records/deals/12/sync', { method: 'POST', headers: { 'x-kustiq-csrf': csrf } });
    expect(bad.res.status).toBe(400);
    expect(JSON.parse(bad.body).error.fields[0].field).toBe('objectType');
  });
});
