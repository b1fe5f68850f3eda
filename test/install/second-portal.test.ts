import { describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';

/**
 * A workspace holds one HubSpot portal. Connecting a second one from it (Connect, i.e.
 * /oauth/install?purpose=connect with the session) is refused with a page naming both
 * portals, the token HubSpot has just issued for the second portal is revoked there, and
 * nothing changes in Kustiq; the second portal can still have a workspace of its own.
 */
describe('a second portal connected from one workspace', () => {
  const fx = useBackend({ portalId: 25_400_001 });
  const OTHER = 25_400_002;
  const refreshTokensOf = (portalId: number) => [...fx.emu.state.tokens.values()].filter((t) => t.portalId === portalId && t.kind === 'refresh');
  const count = async (table: string) => Number((await fx.db.knex(table).count<{ n: string }[]>('* as n'))[0]!.n);

  it('is refused with a clear page while the first is connected, and its new token is revoked at HubSpot', async () => {
    await fx.admin.call('POST', '/portals', { portalId: OTHER });
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    const first = await fx.db.knex('hubspot_connections').first();
    expect(first).toMatchObject({ portal_id: String(fx.emu.portalId), status: 'connected' });

    await fx.admin.settings({ nextGrant: { withhold: [], portalId: OTHER } });
    const from = fx.logs.length;
    const r = await b.go('/oauth/install?purpose=connect');
    expect(r.res.status).toBe(409);
    expect(r.body).toContain(`already connected to HubSpot portal ${fx.emu.portalId}`);
    expect(r.body).toContain(`portal ${OTHER} was not connected`);
    expect(r.body).toContain('Kustiq gave its access back to HubSpot');
    // HubSpot issued the other portal a token; it was revoked there at once.
    const issued = refreshTokensOf(OTHER);
    expect(issued).toHaveLength(1);
    expect(issued[0]!.revoked).toBe(true);
    // Nothing changed here: one connection, the first portal's, still connected; the session still works.
    expect(await count('hubspot_connections')).toBe(1);
    expect(await fx.db.knex('hubspot_connections').first()).toMatchObject({ id: first.id, portal_id: String(fx.emu.portalId), status: 'connected' });
    expect((await b.go('/integrations')).body).toContain(String(fx.emu.portalId));
    expect(fx.logs.slice(from).map((l) => JSON.parse(l)).filter((l) => l.level >= 50)).toEqual([]);
  });

  it('is refused too when the first is disconnected (the workspace stays the first portal\'s)', async () => {
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    // HubSpot revoked the first portal's grant (the token health check marks it so): the page offers Connect.
    await fx.db.knex('hubspot_connections').update({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED', refresh_token_enc: null, access_token_enc: null });
    await fx.admin.settings({ nextGrant: { withhold: [], portalId: OTHER } });
    const r = await b.go('/oauth/install?purpose=connect');
    expect(r.res.status).toBe(409);
    expect(r.body).toContain(`belongs to HubSpot portal ${fx.emu.portalId} (disconnected)`);
    expect(r.body).toContain(`Connect portal ${fx.emu.portalId} again here`);
    expect(refreshTokensOf(OTHER).every((t) => t.revoked)).toBe(true);
    expect(await count('hubspot_connections')).toBe(1);
  });

  it('signing in with the second portal gives it a workspace of its own', async () => {
    await fx.admin.settings({ nextGrant: { withhold: [], portalId: OTHER } });
    const r = await fx.browser().go('/oauth/install?purpose=login');
    expect(r.res.status).toBe(200);
    expect(r.body).toContain(String(OTHER));
    const rows = await fx.db.knex('hubspot_connections').orderBy('portal_id').select('portal_id', 'workspace_id', 'status');
    expect(rows.map((x) => x.portal_id)).toEqual([String(fx.emu.portalId), String(OTHER)]);
    expect(rows[0]!.workspace_id).not.toBe(rows[1]!.workspace_id);
    expect(rows[1]!.status).toBe('connected');
  });
});
