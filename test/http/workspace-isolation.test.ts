import { beforeAll, describe, expect, it } from 'vitest';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { enqueueEvents } from '../../server/webhooks/outbox';
import { createRun } from '../../server/sync/portal-sync';
import { useBackend } from '../support/backend';

/**
 * Two tenants on one backend: a signed-in admin of workspace A naming workspace B's ids
 * (runs, Sync-now rows, endpoints, deliveries) is told they do not exist, never sees B's
 * data, and changes nothing.
 */
describe("one workspace cannot reach another's records by id", () => {
  const fx = useBackend({ companies: 5, contacts: 0 });
  const PORTAL_B = 24_777_002;
  let a: ReturnType<typeof fx.browser>;
  let csrfA: string;
  const ids = {} as { run: string; recordSync: string; endpoint: string; delivery: string };

  beforeAll(async () => {
    await fx.admin.call('POST', '/portals', { portalId: PORTAL_B, companies: 3, contacts: 0 });
    a = fx.browser();
    csrfA = /name="csrf" value="([^"]+)"/.exec((await a.go('/oauth/install?purpose=login')).body)![1]!;
    await fx.admin.settings({ nextGrant: { withhold: [], portalId: PORTAL_B } });
    await fx.browser().go('/oauth/install?purpose=login');
    const b = await fx.db.knex('hubspot_connections').where({ portal_id: String(PORTAL_B) }).first();
    expect(b).toBeTruthy();
    ids.run = await createRun(fx.db.knex, PORTAL_B, 'full');
    ids.recordSync = (await fx.db.knex('record_syncs').insert({ connection_id: b.id, object_type: 'companies', record_id: '1' }).returning('id'))[0].id;
    ids.endpoint = (await saveEndpoint(fx.db.knex, b.workspace_id, { url: 'https://hooks.example.com/b' }, { allowPrivate: true })).id;
    await fx.db.knex.transaction((trx) => enqueueEvents(trx, undefined, { workspaceId: b.workspace_id, portalId: PORTAL_B, type: 'company.enriched', objectType: 'companies', records: [{ objectId: '1', profileId: null, properties: {} }] }));
    ids.delivery = (await fx.db.knex('webhook_deliveries').where({ endpoint_id: ids.endpoint }).first('id')).id;
  });

  it.each([
    ['GET', '/api/sync/runs/:run'],
    ['GET', '/api/record-syncs/:recordSync'],
    ['GET', '/api/webhooks/deliveries/:delivery'],
    ['POST', '/api/webhooks/deliveries/:delivery/redeliver'],
    ['PUT', '/api/webhooks/endpoints/:endpoint'],
    ['DELETE', '/api/webhooks/endpoints/:endpoint'],
  ] as const)('%s %s of the other workspace: not found, nothing shown or changed', async (method, template) => {
    const url = template.replace(/:(\w+)/, (_m, k: keyof typeof ids) => ids[k]);
    const before = await fx.db.knex('webhook_endpoints').where({ id: ids.endpoint }).first();
    const res = await a.go(url, { method, headers: { 'content-type': 'application/json', 'x-kustiq-csrf': csrfA }, body: method === 'GET' ? undefined : JSON.stringify({ url: 'https://8.8.8.8/x' }) });
    // 404, or the webhooks API's 400 naming the id it does not know in this workspace.
    expect([400, 404], res.body.slice(0, 300)).toContain(res.res.status);
    if (res.res.status === 400) expect(res.body).toMatch(/no such/);
    expect(res.body).not.toContain('hooks.example.com/b');
    expect(await fx.db.knex('webhook_endpoints').where({ id: ids.endpoint }).first()).toEqual(before);
  });
});
