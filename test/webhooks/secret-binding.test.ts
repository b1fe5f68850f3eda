import { describe, expect, it } from 'vitest';
import { deliverBatch } from '../../server/webhooks/deliver';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { enqueueEvents } from '../../server/webhooks/outbox';
import { generateSecret } from '../../server/webhooks/signing';
import { setSecret } from '../../server/webhooks/webhook-secrets';
import { useBackend } from '../support/backend';

/**
 * A webhook secret's ciphertext is bound to its workspace: one copied into another
 * workspace's row (a database-level swap) never signs that workspace's deliveries, even
 * after the process has the original decrypted in its cache.
 */
describe('a webhook secret copied into another workspace', () => {
  const fx = useBackend({ companies: 1, contacts: 0 });

  it('does not sign its deliveries, cached or not', async () => {
    const [a, b] = await fx.db.knex('workspaces').insert([{ name: 'A' }, { name: 'B' }]).returning('id');
    const sent: string[] = [];
    const deps = { knex: fx.db.knex, keyring: fx.services.keyring, log: fx.services.log, send: async (_url: string, body: string) => { sent.push(body); return { status: 200, error: null, latencyMs: 1 }; } };
    const delivery = async (workspaceId: string) => {
      await saveEndpoint(fx.db.knex, workspaceId, { url: `https://hooks.example.com/${workspaceId}` }, { allowPrivate: true }).catch(() => undefined);
      await fx.db.knex.transaction((trx) => enqueueEvents(trx, undefined, { workspaceId, portalId: 1, type: 'company.enriched', objectType: 'companies', records: [{ objectId: '1', profileId: null, properties: {} }] }));
      return (await fx.db.knex('webhook_deliveries as d').join('webhook_endpoints as e', 'e.id', 'd.endpoint_id').where('e.workspace_id', workspaceId).orderBy('d.created_at', 'desc').first('d.id')).id as string;
    };
    await setSecret(fx.db.knex, fx.services.keyring, a.id, generateSecret());
    await setSecret(fx.db.knex, fx.services.keyring, b.id, generateSecret());
    // A's secret is decrypted (and cached) by a delivery of A's.
    expect((await deliverBatch(deps, [await delivery(a.id)]))[0]).toMatchObject({ outcome: 'delivered' });
    // Someone with write access to the table copies A's ciphertext into B's row.
    const { secret_enc } = await fx.db.knex('webhook_secrets').where({ workspace_id: a.id }).first('secret_enc');
    await fx.db.knex('webhook_secrets').where({ workspace_id: b.id }).update({ secret_enc });
    sent.length = 0;
    await expect(deliverBatch(deps, [await delivery(b.id)])).rejects.toThrow();
    expect(sent).toEqual([]);
  });
});
