import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';
import { createRun } from '../../server/sync/portal-sync';
import { SYNC_QUEUE } from '../../server/worker/sync-jobs';
import { useProcessStack } from '../support/processes';

/**
 * Crash safety with real processes: two `kustiq worker` processes, the first killed with
 * SIGKILL in the middle of a portal's sync; the second finishes it, and HubSpot received
 * every record's write exactly once.
 */
describe('a worker killed mid-sync', () => {
  const st = useProcessStack({
    companies: 3000, contacts: 1000, graph: 3600,
    // Short slices and a quick hand-over, so the test does not wait minutes for an expiry.
    env: { KUSTIQ_SYNC_SLICE_MS: '1500', KUSTIQ_SYNC_EXPIRE_SECONDS: '4', KUSTIQ_JOB_MAINTENANCE_SECONDS: '1' },
  });
  beforeAll(async () => { await st.install(); });

  it('loses nothing and writes every record once', async () => {
    const { db, emu, sender, until } = st;
    const first = st.startWorker();
    await until('the worker to create its queues', async () => (await db.knex.raw(`SELECT 1 FROM pgboss.queue WHERE name = ?`, [SYNC_QUEUE])).rows.length > 0);
    const runId = await createRun(db.knex, emu.portalId);
    await sender.boss.send(SYNC_QUEUE, { runId, portalId: emu.portalId }, { singletonKey: String(emu.portalId) });
    // Kill it once a few batches have committed (mid-companies).
    await until('batches to commit', async () => Number((await db.knex('sync_batches').where({ run_id: runId }).count('* as n').first())!.n) >= 4);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = await db.knex('sync_runs').where({ id: runId }).first();
    expect(before.status).toBe('running');
    st.startWorker();
    await until('the second worker to finish the run', async () => (await db.knex('sync_runs').where({ id: runId }).first()).status === 'succeeded');

    const run = await db.knex('sync_runs').where({ id: runId }).first();
    const matched = Number((await db.knex('company_matches').where({ status: 'matched' }).count('* as n').first())!.n);
    expect(await db.knex('company_matches').where({ status: 'matched' }).whereNot({ write_status: 'written' }).count('* as n').first()).toEqual({ n: '0' });
    expect(await db.knex('sync_intents').count('* as n').first()).toEqual({ n: '0' });
    // HubSpot's side: every matched company carries its values, and company batches went out
    // exactly ⌈matched / 100⌉ times (a batch sent twice would show as one more).
    const log = await st.admin.requests(emu.portalId);
    const companyWrites = log.entries.filter((e) => e.method === 'POST' && e.path === '/crm/v3/objects/companies/batch/update' && e.status === 200).length;
    expect(companyWrites).toBe(Math.ceil(matched / 100));
    const contactWrites = log.entries.filter((e) => e.method === 'POST' && e.path === '/crm/v3/objects/contacts/batch/update' && e.status === 200).length;
    const contactsWritten = Number((await db.knex('contact_writes').count('* as n').first())!.n);
    expect(contactWrites).toBe(Math.ceil(contactsWritten / 100));
    expect(log.http429).toBe(0);
    const companies = await st.admin.call<{ results: { id: string; properties: Record<string, string> }[] }>('GET', `/portals/${emu.portalId}/objects/companies?limit=10000`);
    const withProfile = companies.results.filter((c) => c.properties.kustiq_profile_id).length;
    expect(withProfile).toBe(matched);
    // …and each company was charged one credit, once, whichever worker wrote it.
    expect(await db.knex('credit_ledger').countDistinct('record_id as n').first()).toEqual({ n: String(matched) });
    expect(await db.knex('credit_ledger').count('* as n').first()).toEqual({ n: String(matched) });
    // Counted once each, though the second worker re-read the pages whose records were still waiting to be written.
    expect(run.counts.companiesRead).toBe(3000);
    expect(run.counts.contactsRead).toBe(1000);
  });

  it('kustiq sync runs a full sync on the workers and reports it', async () => {
    const r = spawnSync(process.execPath, [KUSTIQ_BIN, 'sync', '--portal', String(st.emu.portalId), '--json'], { env: { ...process.env, ...st.env }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    // Everything was written by the first run: nothing changed, nothing rewritten.
    expect(out).toMatchObject({ status: 'succeeded', counts: { companiesWritten: 0, contactsWritten: 0 }, http429: 0 });
    const bad = spawnSync(process.execPath, [KUSTIQ_BIN, 'sync', '--portal', String(st.emu.portalId), '--kind', 'weekly'], { env: { ...process.env, ...st.env }, encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
