import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';
import { creditStatus, spendCredits } from '../../server/credits/credit-ledger';
import { periodOf } from '../../server/credits/plans';
import { syncRecord } from '../../server/sync/record-sync';
import { startSync } from '../../server/worker/sync-jobs';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { waitForRun } from '../support/runs';

describe('plan periods', () => {
  it('Free counts weeks from Monday 00:00 UTC; Insight and Pro count calendar months', () => {
    const sunday = new Date('2026-11-22T23:59:00Z');
    expect(periodOf('free', sunday)).toEqual({ start: new Date('2026-11-16T00:00:00Z'), end: new Date('2026-11-23T00:00:00Z') });
    expect(periodOf('free', new Date('2026-11-23T00:00:00Z')).start).toEqual(new Date('2026-11-23T00:00:00Z'));
    expect(periodOf('pro', sunday)).toEqual({ start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') });
    expect(periodOf('insight', new Date('2026-12-31T23:00:00Z')).end).toEqual(new Date('2027-01-01T00:00:00Z'));
  });
});

/** The credit rules, metered as in production, on a Free workspace. */
describe('credits', () => {
  const fx = useBackend({ companies: 40, contacts: 80 }, { KUSTIQ_CREDITS: 'metered' }, { worker: true });
  type Rec = { id: string; properties: Record<string, string | undefined> };
  let conn: { id: string; workspace_id: string };

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 600);
    await fx.browser().go('/oauth/install?purpose=login');
    conn = await fx.db.knex('hubspot_connections').first();
  });

  const waitRun = (runId: string) => waitForRun(fx.db.knex, runId);
  const all = (type: string) => fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/${type}?limit=1000`).then((r) => r.results);
  const matchedCount = async () => Number((await fx.db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n);

  it('a Free workspace enriches 3 profiles a week; the rest wait with ERR_QUOTA_FREE, their contacts too', async () => {
    expect((await fx.db.knex('workspaces').first()).plan).toBe('free');
    const run = await waitRun(await startSync(fx.services.boss!, fx.services, fx.emu.portalId));
    expect(run.status, run.error_detail).toBe('succeeded');
    const matched = await matchedCount();
    expect(matched).toBeGreaterThan(20);
    const enriched = (await all('companies')).filter((c) => c.properties.kustiq_profile_id);
    expect(enriched).toHaveLength(3);
    expect(run.counts).toMatchObject({ companiesWritten: 3, creditsSpent: 3, waitingForCredits: matched - 3, failedRecords: 0 });
    const waiting = await fx.db.knex('company_matches').where({ status: 'matched', write_error: 'ERR_QUOTA_FREE' }).pluck('company_id');
    expect(waiting).toHaveLength(matched - 3);
    expect(waiting.some((id) => enriched.some((e) => e.id === id))).toBe(false);
    // The batch says why it was short.
    const batches = await fx.db.knex('sync_batches').where({ run_id: run.id, object_type: 'companies' });
    expect(batches.reduce((n, b) => n + (b.skipped.ERR_QUOTA_FREE ?? 0), 0)).toBe(matched - 3);
    // Contacts go out only for the 3 enriched companies.
    const enrichedIds = new Set(enriched.map((c) => c.id));
    const contacts = (await all('contacts')).filter((c) => c.properties.kustiq_contact_role);
    expect(contacts.length).toBeGreaterThan(0);
    const companyOf = new Map((await fx.db.knex('contact_writes').select('contact_id', 'company_id')).map((r) => [r.contact_id, r.company_id]));
    for (const c of contacts) expect(enrichedIds.has(companyOf.get(c.id)!), c.id).toBe(true);
    expect(await creditStatus(fx.db.knex, conn.workspace_id)).toMatchObject({ plan: 'free', allowance: 3, used: 3, remaining: 0 });
  });

  it('refreshing an enriched record in the same period is free; a waiting one says ERR_QUOTA_FREE and when credits return', async () => {
    const enriched = await fx.db.knex('company_matches').where({ write_status: 'written' }).first('company_id');
    const again = await syncRecord(fx.services, fx.emu.portalId, 'companies', enriched.company_id);
    expect(again.outcome).toBe('written');
    expect(await fx.db.knex('credit_ledger').count('* as n').first()).toEqual({ n: '3' });
    const waiting = await fx.db.knex('company_matches').where({ write_error: 'ERR_QUOTA_FREE' }).first('company_id');
    const refused = await syncRecord(fx.services, fx.emu.portalId, 'companies', waiting.company_id);
    const monday = periodOf('free', new Date()).end.toISOString().slice(0, 10);
    expect(refused).toMatchObject({ outcome: 'skipped', code: 'ERR_QUOTA_FREE' });
    expect(refused.detail).toContain(`3 of 3 credits used this week`);
    expect(refused.detail).toContain(monday);
    const rec = await fx.admin.call<Rec>('GET', `/portals/${fx.emu.portalId}/objects/companies/${waiting.company_id}`);
    expect(rec.properties.kustiq_profile_id ?? '').toBe('');
  });

  it('next week brings 3 more; workers spending at once never overspend', async () => {
    const nextWeek = periodOf('free', new Date()).end;
    const ids = Array.from({ length: 8 }, (_, i) => `x${i}`);
    const spend = (recordIds: string[]) => spendCredits(fx.db.knex, { workspaceId: conn.workspace_id, connectionId: conn.id, objectType: 'companies', recordIds, at: nextWeek });
    const results = await Promise.all([spend(ids.slice(0, 4)), spend(ids.slice(4))]);
    expect(results.reduce((n, r) => n + r.granted.length, 0)).toBe(3);
    expect(results.reduce((n, r) => n + r.refused.length, 0)).toBe(5);
    // A record paid for this period is free again; the week's allowance is still spent.
    const paid = results.flatMap((r) => r.granted);
    const second = await spend([paid[0]!, 'x-new']);
    expect(second).toMatchObject({ granted: [paid[0]], refused: ['x-new'], spent: 0 });
    await fx.db.knex('credit_ledger').where('record_id', 'like', 'x%').delete();
  });

  it('when credits return (an upgrade to Insight), the nightly run sends every waiting company and its contacts', async () => {
    await fx.db.knex('workspaces').update({ plan: 'insight' });
    const run = await waitRun(await startSync(fx.services.boss!, fx.services, fx.emu.portalId, 'nightly'));
    expect(run.kind).toBe('nightly');
    expect(run.status, run.error_detail).toBe('succeeded');
    const matched = await matchedCount();
    expect(run.counts).toMatchObject({ companiesWritten: matched - 3, waitingForCredits: 0, creditsSpent: matched - 3 });
    expect((await all('companies')).filter((c) => c.properties.kustiq_profile_id)).toHaveLength(matched);
    expect(await fx.db.knex('company_matches').where({ write_error: 'ERR_QUOTA_FREE' }).count('* as n').first()).toEqual({ n: '0' });
    expect(await creditStatus(fx.db.knex, conn.workspace_id)).toMatchObject({ plan: 'insight', allowance: 200, used: matched - 3 });
    // The contacts that waited with their companies went out too (the nightly read all contacts for them).
    const matchedIds = new Set(await fx.db.knex('company_matches').where({ status: 'matched' }).pluck('company_id'));
    const ofMatched = (await all('contacts')).filter((c) => matchedIds.has(String(c.properties.associatedcompanyid)));
    expect(ofMatched.length).toBeGreaterThan(10);
    for (const c of ofMatched) expect(c.properties.kustiq_contact_role, c.id).toBeTruthy();
    expect(run.counts.contactsWritten).toBeGreaterThan(0);
  });

  it('kustiq credits shows a workspace\'s credits, changes its plan and grants credits', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [KUSTIQ_BIN, 'credits', '--portal', String(fx.emu.portalId), ...args], { env: { ...process.env, ...fx.env }, encoding: 'utf8', timeout: 60_000 });
    const shown = cli('--json');
    expect(shown.status, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ plan: 'insight', allowance: 200, waiting: 0 });
    const changed = cli('--plan', 'pro', '--grant', '50', '--reason', 'pilot', '--json');
    expect(changed.status, changed.stderr).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ plan: 'pro', allowance: 850, metered: true });
    const bad = cli('--plan', 'gold');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--plan must be free, insight or pro');
    expect(cli('--grant', '5').stderr).toContain('--grant needs --reason');
  });
});
