import { describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';

/**
 * Installs HubSpot starts itself (the marketplace's install button, the app's install
 * URL) reach /oauth/callback with a `code` and no `state`: they complete as a first
 * sign-in. A callback that carries a state is still verified (CSRF protection).
 */
describe('installs HubSpot starts itself', () => {
  const fx = useBackend({ portalId: 24_700_001 });
  const installUrl = (portalId?: number) => {
    const u = new URL(`/_emulator/apps/${fx.emu.clientId}/install`, fx.emu.url);
    u.searchParams.set('redirect_uri', `${fx.url}/oauth/callback`);
    if (portalId) u.searchParams.set('portalId', String(portalId));
    return u.toString();
  };
  /** The callback URL HubSpot would send the browser to, without following it. */
  async function statelessCallback(portalId?: number): Promise<URL> {
    let res = await fetch(installUrl(portalId), { redirect: 'manual' });
    res = await fetch(res.headers.get('location')!, { redirect: 'manual' });
    return new URL(res.headers.get('location')!);
  }
  const count = async (table: string) => Number((await fx.db.knex(table).count<{ c: string }[]>('* as c'))[0]!.c);

  it('the marketplace install completes: code exchanged, portal connected in a new workspace, signed in, on the dashboard', async () => {
    await fx.admin.clearRequests();
    const b = fx.browser();
    const { res, visited, body } = await b.go(installUrl());
    const callback = new URL(visited.find((u) => u.startsWith(`${fx.url}/oauth/callback`))!);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.has('state')).toBe(false);
    expect(res.status).toBe(200);
    expect(visited.at(-1)).toBe(`${fx.url}/integrations`);
    expect(body).toContain('Connected');
    expect(body).toContain(String(fx.emu.portalId));
    expect(b.setCookieHeaders.find((c) => c.startsWith('kustiq_session='))).toMatch(/HttpOnly/i);

    const row = await fx.db.knex('hubspot_connections').where({ portal_id: String(fx.emu.portalId) }).first();
    expect(row).toMatchObject({ status: 'connected', status_code: null, hubspot_user_email: 'admin@portal.example' });
    expect(await count('workspaces')).toBe(1);
    const users = await fx.db.knex('users').where({ workspace_id: row.workspace_id });
    expect(users.map((u) => u.email)).toEqual(['admin@portal.example']);
    // The 37 properties were set up as for any install.
    const props = (await fx.admin.call<{ results: { name: string }[] }>('GET', `/portals/${fx.emu.portalId}/properties/companies`)).results;
    expect(props.filter((p) => p.name.startsWith('kustiq_'))).toHaveLength(33);
    // The install introspected through 2026-03, never the v1 access-token endpoint.
    const paths = (await fx.admin.requests()).entries.map((e) => e.path);
    expect(paths).toContain('/oauth/2026-03/token/introspect');
    expect(paths.some((p) => p.startsWith('/oauth/v1/'))).toBe(false);
    // The session works for the JSON API too.
    const api = await b.request('/api/connection');
    expect(api.status).toBe(200);
  });

  it('a portal already connected signs into its own workspace: no second workspace, the same connection', async () => {
    const before = await fx.db.knex('hubspot_connections').first();
    const b = fx.browser();
    const r = await b.go(installUrl());
    expect(r.visited.at(-1)).toBe(`${fx.url}/integrations`);
    expect(await count('workspaces')).toBe(1);
    expect(await count('hubspot_connections')).toBe(1);
    expect((await fx.db.knex('hubspot_connections').first()).workspace_id).toBe(before.workspace_id);
  });

  it('never attaches the portal to the workspace the browser is signed into: it signs in as the portal\u2019s user instead', async () => {
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login'); // signed into portal 24700001's workspace
    const first = await fx.db.knex('hubspot_connections').where({ portal_id: String(fx.emu.portalId) }).first();
    const other = await fx.admin.call<{ portalId: number }>('POST', '/portals', { portalId: 24_700_002, companies: 1 });
    const r = await b.go(installUrl(other.portalId));
    expect(r.visited.at(-1)).toBe(`${fx.url}/integrations`);
    expect(r.body).toContain(String(other.portalId));
    const second = await fx.db.knex('hubspot_connections').where({ portal_id: String(other.portalId) }).first();
    expect(second.workspace_id).not.toBe(first.workspace_id);
    // The first workspace still has its own portal only.
    expect((await fx.db.knex('hubspot_connections').where({ workspace_id: first.workspace_id })).map((c) => c.portal_id)).toEqual([String(fx.emu.portalId)]);
    expect(await count('workspaces')).toBe(2);
    // The browser is now in the new portal's workspace.
    const { connection } = await (await b.request('/api/connection')).json() as { connection: { portalId: number } };
    expect(connection.portalId).toBe(other.portalId);
  });

  it('a wrong, an empty or a forged state with a real code is still refused, and the code is not spent', async () => {
    const callback = await statelessCallback();
    const code = callback.searchParams.get('code')!;
    for (const state of ['forged', '']) {
      const r = await fx.browser().go(`/oauth/callback?state=${encodeURIComponent(state)}&code=${encodeURIComponent(code)}`);
      expect(r.res.status).toBe(400);
      expect(r.body).toMatch(/state parameter|not valid or was already used/);
      expect(r.res.headers.getSetCookie().some((c) => c.startsWith('kustiq_session=') && !/max-age=0/i.test(c))).toBe(false);
    }
    // Another browser's state (real, but bound to a nonce this browser lacks).
    const b = fx.browser();
    const start = await b.request('/oauth/install?purpose=connect');
    const stateOfB = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const stolen = await fx.browser().go(`/oauth/callback?state=${encodeURIComponent(stateOfB)}&code=${encodeURIComponent(code)}`);
    expect(stolen.res.status).toBe(400);
    expect(stolen.body).toMatch(/started in another browser/);
    // The refused callbacks never reached HubSpot's token endpoint: the code still works once.
    const ok = await fx.browser().go(callback.toString());
    expect(ok.visited.at(-1)).toBe(`${fx.url}/integrations`);
  });

  it('a replayed stateless callback is refused with a readable page, not a server error', async () => {
    const callback = await statelessCallback();
    expect((await fx.browser().go(callback.toString())).visited.at(-1)).toBe(`${fx.url}/integrations`);
    const replay = await fx.browser().go(callback.toString());
    expect(replay.res.status).toBe(400);
    expect(replay.res.headers.get('content-type')).toMatch(/text\/html/);
    expect(replay.body).toMatch(/already used or has expired/);
    const forged = await fx.browser().go('/oauth/callback?code=not-a-code');
    expect(forged.res.status).toBe(400);
    expect(forged.body).toMatch(/already used or has expired/);
  });

  it('an install HubSpot started and the user cancelled shows HubSpot\u2019s error', async () => {
    await fx.admin.settings({ nextGrant: { withhold: [], error: 'access_denied', errorDescription: 'The user declined' } });
    const r = await fx.browser().go(installUrl());
    expect(r.res.status).toBe(400);
    expect(r.body).toContain('access_denied');
    expect(r.body).toContain('The user declined');
  });
});
