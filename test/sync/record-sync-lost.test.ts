import type PgBoss from 'pg-boss';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueRecordSync, RECORD_SYNC_STALE_MS } from '../../server/worker/record-jobs';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';

/** "Sync now" is never stuck: a lost worker's row ends with a code, and the next click starts afresh. */
describe('"Sync now" after its worker died', () => {
  const fx = useBackend({ companies: 20, contacts: 0 }, {}, { worker: true });
  let csrf: string;
  let b: ReturnType<typeof fx.browser>;
  let conn: { id: string; portal_id: string };
  let companyId: string;

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 300);
    b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    conn = await fx.db.knex('hubspot_connections').first();
    companyId = (await fx.admin.call<{ results: { id: string }[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=1`)).results[0]!.id;
  });

  const click = async () => {
    const r = await b.go(`/api/records/companies/${companyId}/sync`, { method: 'POST', headers: { 'x-kustiq-csrf': csrf } });
    expect(r.res.status, r.body).toBe(202);
    return JSON.parse(r.body).sync as { id: string; status: string };
  };
  const read = async (id: string) => JSON.parse((await b.go(`/api/record-syncs/${id}`)).body).sync as { id: string; status: string; code: string | null; detail: string | null; outcome: string | null };
  const settle = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      const s = await read(id);
      if (s.status === 'succeeded' || s.status === 'failed') return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('record sync did not finish');
  };

  it('a row left running by a dead worker reads as failed (worker_lost), and a new click starts afresh and succeeds', async () => {
    // What a worker killed mid-job leaves behind, once every attempt its job could make is over.
    const [stuck] = await fx.db.knex('record_syncs').insert({
      connection_id: conn.id, object_type: 'companies', record_id: companyId, status: 'running', created_at: new Date(Date.now() - RECORD_SYNC_STALE_MS - 1000),
    }).returning('*');
    expect(await read(stuck.id)).toMatchObject({ status: 'failed', code: 'worker_lost', detail: expect.stringContaining('click Sync now again') });
    const fresh = await click();
    expect(fresh.id).not.toBe(stuck.id);
    expect(await settle(fresh.id)).toMatchObject({ status: 'succeeded', outcome: 'written' });
    expect(await fx.db.knex('record_syncs').where({ id: stuck.id }).first()).toMatchObject({ status: 'failed', error_code: 'worker_lost' });
  });

  it('a recent row still in flight is returned to a second click, not duplicated', async () => {
    const [inFlight] = await fx.db.knex('record_syncs').insert({ connection_id: conn.id, object_type: 'companies', record_id: companyId, status: 'running' }).returning('*');
    expect((await click()).id).toBe(inFlight.id);
    await fx.db.knex('record_syncs').where({ id: inFlight.id }).update({ status: 'succeeded' });
  });

  it('the row and its job commit together: a queue that fails leaves no row behind', async () => {
    const before = Number((await fx.db.knex('record_syncs').count('* as n').first())!.n);
    const broken = { send: async () => { throw new Error('queue unavailable'); } } as unknown as PgBoss;
    await expect(queueRecordSync(fx.db.knex, broken, conn.id, Number(conn.portal_id), 'companies', companyId)).rejects.toThrow('queue unavailable');
    expect(Number((await fx.db.knex('record_syncs').count('* as n').first())!.n)).toBe(before);
  });

  it('clicks at the same moment get one sync', async () => {
    const views = await Promise.all([1, 2, 3, 4].map(() => queueRecordSync(fx.db.knex, fx.services.boss!, conn.id, Number(conn.portal_id), 'companies', companyId)));
    expect(new Set(views.map((v) => v.id)).size).toBe(1);
    await settle(views[0]!.id);
  });
});
