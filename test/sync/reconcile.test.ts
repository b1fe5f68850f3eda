import { beforeAll, describe, expect, it } from 'vitest';
import { listDomains } from '../../server/icp/list-domains';
import { rescorePortal } from '../../server/icp/rescore-portal';
import { syncSchema } from '../../server/install/connection';
import { COMPANY_PROPERTIES } from '../../server/schema/catalog';
import { startSync } from '../../server/worker/sync-jobs';
import { useBackend, type BackendFixture } from '../support/backend';
import { loadSampleGraph } from '../support/graph';
import { waitForRun } from '../support/runs';

/**
 * HubSpot is the truth: every run that reads records compares with the kustiq_* values
 * HubSpot holds and writes exactly what differs; a property HubSpot will not take is left
 * out, never failing a batch.
 */
type Rec = { id: string; archived?: boolean; properties: Record<string, string | null | undefined> };
const WRITES = '/crm/v3/objects/companies/batch/update';
const CONTACT_WRITES = '/crm/v3/objects/contacts/batch/update';

function helpers(fx: BackendFixture) {
  const portal = () => `/portals/${fx.emu.portalId}`;
  return {
    portal,
    all: (type: 'companies' | 'contacts') => fx.admin.call<{ results: Rec[] }>('GET', `${portal()}/objects/${type}?limit=100000`).then((r) => r.results),
    edit: (type: 'companies' | 'contacts', id: string, properties: Record<string, string>) => fx.admin.call('PATCH', `${portal()}/objects/${type}/${id}`, { properties }),
    run: async (kind: 'first' | 'full' | 'nightly') => waitForRun(fx.db.knex, await startSync(fx.services.boss!, fx.services, fx.emu.portalId, kind)),
    batches: (runId: string, objectType = 'companies') => fx.db.knex('sync_batches').where({ run_id: runId, object_type: objectType }).orderBy('seq'),
  };
}

describe('a full run restores what was cleared or altered in HubSpot, and only that', () => {
  const fx = useBackend({ companies: 450, contacts: 300 }, {}, { worker: true, emulatorProcess: true });
  const h = helpers(fx);
  let first: Record<string, any>;

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 900);
    await fx.browser().go('/oauth/install?purpose=login');
    first = await h.run('first');
  });

  it('50 cleared and 50 altered by a person → one batch of exactly those 100; the next run writes nothing', async () => {
    expect(first.status, first.error_detail).toBe('succeeded');
    const enriched = (await h.all('companies')).filter((c) => c.properties.kustiq_profile_id);
    expect(enriched.length).toBeGreaterThan(300);
    const cleared = enriched.slice(0, 50);
    const altered = enriched.slice(100, 150);
    for (const c of cleared) await h.edit('companies', c.id, Object.fromEntries(COMPANY_PROPERTIES.map((p) => [p.name, ''])));
    for (const c of altered) await h.edit('companies', c.id, { kustiq_hq_city: 'Somewhere Else', kustiq_employee_count: '7' });
    const before = new Map((await h.all('companies')).map((c) => [c.id, c.properties]));
    await fx.admin.clearRequests();

    const run = await h.run('full');
    expect(run.status, run.error_detail).toBe('succeeded');
    const batches = await h.batches(run.id);
    expect(batches.map((b) => [b.records, b.written])).toEqual([[100, 100]]);
    expect(run.counts).toMatchObject({ companiesWritten: 100, companiesRestored: 100, contactsWritten: 0 });
    const log = await fx.admin.requests(fx.emu.portalId);
    expect(log.entries.filter((e) => e.path === WRITES).length).toBe(1);
    expect(log.entries.filter((e) => e.path === CONTACT_WRITES).length).toBe(0);
    // Exactly those came back, with the values of the first sync; nothing else moved.
    const after = await h.all('companies');
    const touched = new Set([...cleared, ...altered].map((c) => c.id));
    for (const c of after) {
      const was = enriched.find((e) => e.id === c.id)?.properties ?? before.get(c.id)!;
      if (touched.has(c.id)) {
        for (const p of COMPANY_PROPERTIES) if (p.name !== 'kustiq_last_synced_at') expect(c.properties[p.name] ?? '', `${c.id} ${p.name}`).toBe(was[p.name] ?? '');
      } else expect(c.properties.hs_lastmodifieddate).toBe(before.get(c.id)!.hs_lastmodifieddate);
    }
    // Kustiq's tables say enriched exactly where HubSpot holds the values.
    expect(Number((await fx.db.knex('company_matches').where({ write_status: 'written' }).count('* as n').first())!.n)).toBe(after.filter((c) => c.properties.kustiq_profile_id).length);

    const again = await h.run('full');
    expect(again.counts).toMatchObject({ companiesWritten: 0, contactsWritten: 0 });
  });

  it('a nightly run repairs the altered records it reads (and contacts the same way)', async () => {
    const enriched = (await h.all('companies')).filter((c) => c.properties.kustiq_profile_id);
    const altered = enriched.slice(200, 210);
    for (const c of altered) await h.edit('companies', c.id, { kustiq_industry: c.properties.kustiq_industry === 'other' ? 'software' : 'other' });
    const contact = (await h.all('contacts')).find((c) => c.properties.kustiq_contact_role)!;
    await h.edit('contacts', contact.id, { kustiq_contact_role: '' });
    const run = await h.run('nightly');
    expect(run.kind).toBe('nightly');
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.counts).toMatchObject({ companiesWritten: 10, companiesRestored: 10, contactsWritten: 1, contactsRestored: 1 });
    const now = new Map((await h.all('companies')).map((c) => [c.id, c.properties]));
    for (const c of altered) expect(now.get(c.id)!.kustiq_industry).toBe(c.properties.kustiq_industry);
    expect((await fx.admin.call<Rec>('GET', `${h.portal()}/objects/contacts/${contact.id}`)).properties.kustiq_contact_role).toBe(contact.properties.kustiq_contact_role);
  });
  it('records deleted in HubSpot are forgotten by the next full run: nothing counts them as enriched', async () => {
    const companies = (await h.all('companies')).filter((c) => c.properties.kustiq_profile_id).slice(0, 5);
    const contacts = (await h.all('contacts')).filter((c) => c.properties.kustiq_contact_role).slice(0, 5);
    for (const c of companies) await fx.admin.call('DELETE', `${h.portal()}/objects/companies/${c.id}`);
    for (const c of contacts) await fx.admin.call('DELETE', `${h.portal()}/objects/contacts/${c.id}`);
    expect((await h.run('full')).status).toBe('succeeded');
    expect(await fx.db.knex('company_matches').whereIn('company_id', companies.map((c) => c.id)).count('* as n').first()).toEqual({ n: '0' });
    expect(await fx.db.knex('contact_writes').whereIn('contact_id', contacts.map((c) => c.id)).count('* as n').first()).toEqual({ n: '0' });
    // What HubSpot holds: archived (deleted) records no longer count.
    const holding = async (type: 'companies' | 'contacts', prop: string) => (await h.all(type)).filter((c) => !c.archived && c.properties[prop]).length;
    expect(Number((await fx.db.knex('company_matches').where({ write_status: 'written' }).count('* as n').first())!.n)).toBe(await holding('companies', 'kustiq_profile_id'));
    expect(Number((await fx.db.knex('contact_writes').whereNotNull('written_at').count('* as n').first())!.n)).toBe(await holding('contacts', 'kustiq_contact_role'));
  });
});

describe('a property HubSpot will not take is left out; everything else is written', () => {
  const fx = useBackend({ companies: 300, contacts: 0 }, {}, { worker: true, emulatorProcess: true });
  const h = helpers(fx);

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 900);
    // Someone made kustiq_industry a free-text property before installing Kustiq…
    await fx.admin.call('PUT', `${h.portal()}/properties/companies/kustiq_industry`, { label: 'Industry (ours)', type: 'string', fieldType: 'text' });
    await fx.browser().go('/oauth/install?purpose=login');
    // …and after the install locked kustiq_hiring_signal read-only.
    await fx.admin.call('PATCH', `${h.portal()}/properties/companies/kustiq_hiring_signal`, { readOnlyValue: true });
  });

  it('kustiq_industry conflicting and kustiq_hiring_signal read-only: every other property on every matched company, 0 failed batches, both codes shown', async () => {
    await fx.admin.clearRequests();
    const run = await h.run('first');
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.counts.failedRecords).toBe(0);
    const batches = await h.batches(run.id);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.every((b) => b.status === 'written')).toBe(true);
    const matched = await fx.db.knex('company_matches as m').join('profiles as p', 'p.id', 'm.profile_id').where({ 'm.status': 'matched' }).select('m.company_id', 'p.values');
    expect(matched.length).toBeGreaterThan(200);
    const companies = new Map((await h.all('companies')).map((c) => [c.id, c.properties]));
    for (const m of matched) {
      const got = companies.get(m.company_id)!;
      expect(got.kustiq_profile_id).toBeTruthy();
      expect(got.kustiq_hq_country ?? '').toBe(m.values.hq_country ?? '');
      expect(got.kustiq_headcount_band ?? '').toBe(m.values.headcount_band ?? '');
      expect(got.kustiq_industry ?? '').toBe('');
      expect(got.kustiq_hiring_signal ?? '').toBe('');
    }
    // Neither was ever sent: the conflict was known from the install, and a run that starts with
    // properties left out looks at the schema again first, which saw the lock.
    const log = await fx.admin.requests(fx.emu.portalId);
    expect(log.entries.filter((e) => e.status === 400)).toEqual([]);
    const states = await fx.db.knex('property_states').whereNot({ status: 'ok' }).orderBy('name').select('name', 'status', 'code');
    expect(states).toEqual([
      { name: 'kustiq_hiring_signal', status: 'read_only', code: 'ERR_PROPERTY_READONLY' },
      { name: 'kustiq_industry', status: 'conflict', code: 'ERR_SCHEMA_CONFLICT' },
    ]);
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    const sync = await b.go('/sync');
    expect(sync.body).toContain('kustiq_industry</code> <code>ERR_SCHEMA_CONFLICT');
    expect(sync.body).toContain('kustiq_hiring_signal</code> <code>ERR_PROPERTY_READONLY');
  });
});

describe('a portal that did not grant the contacts-schema scope', () => {
  const fx = useBackend({ companies: 150, contacts: 300 }, {}, { worker: true, emulatorProcess: true });
  const h = helpers(fx);

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 900);
    await fx.admin.call('PATCH', '/settings', { nextGrant: { withhold: ['crm.schemas.contacts.write'] } });
    await fx.browser().go('/oauth/install?purpose=login');
  });

  it('companies are written; contacts are skipped once with ERR_SCOPE_MISSING, never a 400', async () => {
    const conn = await fx.db.knex('hubspot_connections').first();
    expect(conn.scopes).not.toContain('crm.schemas.contacts.write');
    await fx.admin.clearRequests();
    const run = await h.run('first');
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.counts.companiesWritten).toBeGreaterThan(50);
    expect(run.counts).toMatchObject({ contactsRead: 0, contactsWritten: 0, failedRecords: 0 });
    expect(run.notices).toEqual([{ code: 'ERR_SCOPE_MISSING', detail: expect.stringContaining('crm.schemas.contacts.write') }]);
    const log = await fx.admin.requests(fx.emu.portalId);
    expect(log.entries.filter((e) => e.status === 400)).toEqual([]);
    expect(log.entries.filter((e) => e.path.includes('/contacts')).length).toBe(0);
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    expect((await b.go('/sync')).body).toContain('ERR_SCOPE_MISSING');
  });
});

describe('everything on one portal at once stays inside its budget', () => {
  const fx = useBackend({ companies: 4000, contacts: 1500 }, {}, { worker: true, emulatorProcess: true });
  const h = helpers(fx);

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 5000);
    await fx.browser().go('/oauth/install?purpose=login');
  });

  it('install, schema check, ICP rescore, full sync and a list lookup together → 0 × 429 at the default limits', async () => {
    // A first sync so the rescore has companies to score; then an ICP.
    expect((await h.run('first')).status).toBe('succeeded');
    const ids = (await h.all('companies')).slice(0, 2000).map((c) => c.id);
    const list = await fx.admin.call<{ listId: string }>('POST', `${h.portal()}/lists`, { name: 'Best customers', recordIds: ids });
    const ws = await fx.db.knex('workspaces').first();
    await fx.db.knex('icp_definitions').insert({ workspace_id: ws.id, version: 1, definition: JSON.stringify({ tiers: [{ tier: 'A', criteria: [{ field: 'industry', values: ['software', 'retail'], weight: 2 }] }] }) });
    // Every profile changes, so the full sync has every matched company to write.
    await fx.db.knex.raw(`UPDATE profiles SET values = jsonb_set(values, '{hq_city}', to_jsonb(md5(random()::text)))`);
    await fx.admin.clearRequests();
    const [install, schema, rescore, sync, domains] = await Promise.all([
      fx.browser().go('/oauth/install?purpose=login'),
      syncSchema(fx.services, fx.emu.portalId),
      rescorePortal(fx.services, fx.emu.portalId),
      h.run('full'),
      listDomains(fx.services, fx.emu.portalId, list.listId),
    ]);
    expect(install.res.status).toBe(200);
    expect(schema.states.every((s) => s.status === 'ok')).toBe(true);
    expect(rescore.written).toBeGreaterThan(100);
    expect(sync.status, sync.error_detail).toBe('succeeded');
    expect(sync.counts.companiesWritten).toBeGreaterThan(3000);
    expect(domains.length).toBeGreaterThan(1500);
    const log = await fx.admin.requests(fx.emu.portalId);
    // Well over one window's 110: the budget, not luck, kept them apart.
    expect(log.total).toBeGreaterThan(120);
    expect(log.http429).toBe(0);
  });
});

describe('a run that moves in short slices with few records to write', () => {
  // Slices of 100 ms end after a page or so: records waiting for a full batch must not hold the run back.
  const fx = useBackend({ companies: 900, contacts: 0 }, { KUSTIQ_SYNC_SLICE_MS: '100' }, { worker: true, emulatorProcess: true });
  const h = helpers(fx);

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 1200);
    await fx.browser().go('/oauth/install?purpose=login');
  });

  it('finishes, writing exactly the records that differ (fewer than a batch, spread over many pages)', async () => {
    expect((await h.run('first')).status).toBe('succeeded');
    const enriched = (await h.all('companies')).filter((c) => c.properties.kustiq_profile_id);
    const altered = enriched.filter((_c, i) => i % 40 === 0).slice(0, 20);
    for (const c of altered) await h.edit('companies', c.id, { kustiq_hq_city: 'Elsewhere' });
    const run = await h.run('full');
    expect(run.status, run.error_detail).toBe('succeeded');
    expect(run.counts).toMatchObject({ companiesWritten: altered.length, companiesRestored: altered.length });
    const now = new Map((await h.all('companies')).map((c) => [c.id, c.properties]));
    for (const c of altered) expect(now.get(c.id)!.kustiq_hq_city ?? '').toBe(c.properties.kustiq_hq_city ?? '');
  });
});
