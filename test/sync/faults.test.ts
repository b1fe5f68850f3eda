import { beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../../server/worker/sync-jobs';
import { HubSpotPort } from '../../server/hubspot/port';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { waitForRun } from '../support/runs';

/** Each HubSpot fault ends in a known state, never in lost or half-written data. */
describe('a sync meeting HubSpot faults', () => {
  const fx = useBackend({ companies: 250, contacts: 0 }, { KUSTIQ_PAUSED_RECHECK_SECONDS: '1' }, { worker: true, emulatorProcess: true });
  const portal = () => `/portals/${fx.emu.portalId}`;
  const WRITES = '/crm/v3/objects/companies/batch/update';

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 900);
    await fx.browser().go('/oauth/install?purpose=login');
  });

  const run = async (kind: 'first' | 'full' = 'full') => {
    // Every profile changes (a new HQ city), so every matched record is due again: HubSpot holds the old values.
    await fx.db.knex.raw(`UPDATE profiles SET values = jsonb_set(values, '{hq_city}', to_jsonb(md5(random()::text)))`);
    await fx.db.knex('company_matches').update({ written_hash: null, write_error: null });
    return waitForRun(fx.db.knex, await startSync(fx.services.boss!, fx.services, fx.emu.portalId, kind));
  };
  const companyIds = async (from: number, to: number) => (await fx.admin.call<{ results: { id: string }[] }>('GET', `${portal()}/objects/companies?limit=10`)).results.slice(from, to).map((c) => c.id);
  const matched = async () => Number((await fx.db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n);
  const writtenNow = async () => Number((await fx.db.knex('company_matches').where({ status: 'matched' }).whereNotNull('written_hash').count('* as n').first())!.n);

  it.each([
    ['5xx twice', { kind: 'http5xx', status: 502, count: 2 }],
    ['a dropped connection', { kind: 'drop', count: 1 }],
    ['a 429', { kind: 'http429', count: 1 }],
    ['423 locked', { kind: 'http423', count: 1 }],
  ])('%s on the writes: retried, every record written once', async (_name, fault) => {
    await fx.admin.call('POST', `${portal()}/faults`, { ...fault, pathPrefix: WRITES });
    await fx.admin.clearRequests();
    const r = await run();
    expect(r.status, r.error_detail).toBe('succeeded');
    expect(await writtenNow()).toBe(await matched());
    expect(r.counts.failedRecords).toBe(0);
    if (fault.kind === 'http429') expect(r.http429).toBe(1);
    const log = await fx.admin.requests(fx.emu.portalId);
    const ok = log.entries.filter((e) => e.path === WRITES && e.status === 200).length;
    expect(ok).toBe(Math.ceil((await matched()) / 100));
  });

  it('a kustiq_* property locked read-only mid-run: closed with ERR_PROPERTY_READONLY, the batch retried without it, every record written', async () => {
    await fx.admin.call('PATCH', `${portal()}/properties/companies/kustiq_industry`, { readOnlyValue: true });
    await fx.admin.clearRequests();
    // A first run does not look at the schema again (the install just did): HubSpot's 400 tells.
    const r = await run('first');
    expect(r.status).toBe('succeeded');
    expect(r.counts.failedRecords).toBe(0);
    const batches = await fx.db.knex('sync_batches').where({ run_id: r.id });
    expect(batches.every((b) => b.status === 'written')).toBe(true);
    expect(await writtenNow()).toBe(await matched());
    expect(await fx.db.knex('property_states').where({ object_type: 'companies', name: 'kustiq_industry' }).first()).toMatchObject({ status: 'read_only', code: 'ERR_PROPERTY_READONLY' });
    // Only the first batch met the 400: the rest left the property out from the start.
    const log = await fx.admin.requests(fx.emu.portalId);
    expect(log.entries.filter((e) => e.path === WRITES && e.status === 400).length).toBe(1);
    await fx.admin.call('PATCH', `${portal()}/properties/companies/kustiq_industry`, { readOnlyValue: false });
    // Unlocked: the next full run's schema check opens it again.
    expect((await run()).status).toBe('succeeded');
    expect(await fx.db.knex('property_states').where({ object_type: 'companies', name: 'kustiq_industry' }).first()).toMatchObject({ status: 'ok', code: null });
  });

  it('a paused portal: the run waits with ERR_PORTAL_PAUSED, nothing half-written', async () => {
    await fx.admin.call('PATCH', portal(), { paused: true });
    const r = await run();
    expect(r).toMatchObject({ status: 'waiting', error_code: 'ERR_PORTAL_PAUSED' });
    expect(await writtenNow()).toBe(0);
    // Reactivated: the waiting run looks again by itself (every KUSTIQ_PAUSED_RECHECK_SECONDS) and finishes.
    await fx.admin.call('PATCH', portal(), { paused: false });
    for (let i = 0; i < 300 && (await fx.db.knex('sync_runs').where({ id: r.id }).first()).status !== 'succeeded'; i++) await new Promise((res) => setTimeout(res, 100));
    expect(await fx.db.knex('sync_runs').where({ id: r.id }).first()).toMatchObject({ status: 'succeeded', error_code: null });
    expect(await writtenNow()).toBe(await matched());
  });

  it('an option someone deleted in HubSpot (INVALID_OPTION): added back, the batch retried once and written', async () => {
    const port = HubSpotPort.forPortal(fx.services, fx.emu.portalId);
    // The sync learns an option exists (here: one it just added)…
    expect(await port.tech.ensure([{ kustiq_tech_stack: 'retool' }])).toBe(1);
    // …then someone deletes it in HubSpot's property settings.
    const prop = (await port.getProperty('companies', 'kustiq_tech_stack'))!;
    expect(prop.options!.some((o) => o.value === 'retool')).toBe(true);
    await port.updatePropertyOptions('companies', 'kustiq_tech_stack', prop.options!.filter((o) => o.value !== 'retool'));
    const gone = 'retool';
    const [a, b] = (await companyIds(0, 2)) as [string, string];
    const out = await port.writeBatch('companies', [{ id: a, properties: { kustiq_tech_stack: gone } }, { id: b, properties: { kustiq_tech_stack: '' } }]);
    expect(out).toMatchObject({ written: [a, b], failed: [], optionsAdded: 1 });
    const rec = await fx.admin.call<{ properties: Record<string, string> }>('GET', `${portal()}/objects/companies/${a}`);
    expect(rec.properties.kustiq_tech_stack).toBe(gone);
  });

  it('a record archived (or merged away) before its write: HubSpot\'s 207 says it is gone, the rest are written', async () => {
    const port = HubSpotPort.forPortal(fx.services, fx.emu.portalId);
    const [a, b] = (await companyIds(2, 4)) as [string, string];
    await port.archiveRecord('companies', a);
    const out = await port.writeBatch('companies', [{ id: a, properties: { kustiq_industry: 'software' } }, { id: b, properties: { kustiq_industry: 'software' } }]);
    expect(out).toMatchObject({ written: [b], gone: [a], failed: [] });
  });

  it('a revoked grant: the run stops with ERR_OAUTH_REVOKED and the connection says so', async () => {
    await fx.admin.call('POST', `${portal()}/uninstall`);
    const r = await run();
    expect(r).toMatchObject({ status: 'failed', error_code: 'ERR_OAUTH_REVOKED' });
    expect(await fx.db.knex('hubspot_connections').first()).toMatchObject({ status: 'disconnected' });
  });
});
