import { describe, expect, it } from 'vitest';
import { SESSION_RECHECK_MS } from '../../server/dashboard/session';
import { sha256 } from '../../server/install/secrets';
import { useBackend, type Browser } from '../support/backend';

/**
 * Sessions: ended with a disconnect (test/install/disconnect.test.ts), and re-checked at
 * least daily: a session last checked more than 24 hours ago goes on only while its
 * workspace is still connected to the HubSpot portal its user signed in through.
 */
describe('sessions re-check their access daily', () => {
  const fx = useBackend({ portalId: 25_500_001 });
  const OTHER = 25_500_002;

  const signIn = async (): Promise<{ b: Browser; idHash: string }> => {
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    const signed = decodeURIComponent(b.cookies.get('kustiq_session')!);
    return { b, idHash: sha256(signed.slice(0, signed.lastIndexOf('.'))) };
  };
  const session = (idHash: string) => fx.db.knex('sessions').where({ id_hash: idHash }).first();
  /** As if the session was last checked `ms` ago. */
  const age = (idHash: string, ms: number) => fx.db.knex('sessions').where({ id_hash: idHash }).update({ verified_at: new Date(Date.now() - ms) });

  it('a sign-in records the portal and when access was checked; the check is daily', async () => {
    expect(SESSION_RECHECK_MS).toBe(24 * 3_600_000);
    const { idHash } = await signIn();
    const row = await session(idHash);
    expect(row.portal_id).toBe(String(fx.emu.portalId));
    expect(Date.now() - new Date(row.verified_at).getTime()).toBeLessThan(60_000);
  });

  it('older than a day, still connected to its portal: goes on, checked again from now', async () => {
    const { b, idHash } = await signIn();
    await age(idHash, SESSION_RECHECK_MS + 60_000);
    const r = await b.go('/integrations');
    expect(r.visited.at(-1)).toBe(`${fx.url}/integrations`);
    expect(Date.now() - new Date((await session(idHash)).verified_at).getTime()).toBeLessThan(60_000);
  });

  it('within the day, a revoked connection keeps the session (the page says ERR_OAUTH_REVOKED); past the day, it is signed out', async () => {
    const { b, idHash } = await signIn();
    await fx.db.knex('hubspot_connections').update({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED', status_detail: 'HubSpot revoked the grant' });
    const within = await b.go('/integrations');
    expect(within.body).toContain('ERR_OAUTH_REVOKED');

    await age(idHash, SESSION_RECHECK_MS + 60_000);
    const page = await b.go('/integrations');
    expect(page.visited.at(-1)).toBe(`${fx.url}/login?ended=check`);
    expect(page.body).toContain('no longer connected to the HubSpot portal you signed in through');
    expect(b.cookies.has('kustiq_session')).toBe(false);
    expect(await session(idHash)).toBeUndefined();

    // The JSON API says so too (a session checked by an API call first).
    const { b: api, idHash: apiHash } = await signIn(); // signing in connects the portal again
    await fx.db.knex('hubspot_connections').update({ status: 'disconnected' });
    await age(apiHash, SESSION_RECHECK_MS + 60_000);
    const r = await api.request('/api/connection');
    expect(r.status).toBe(401);
    expect((await r.json()).error.message).toMatch(/Your session ended/);
  });

  it('past the day, a workspace now connected to another portal than the one signed in through: signed out', async () => {
    const { b, idHash } = await signIn();
    await age(idHash, SESSION_RECHECK_MS + 60_000);
    await fx.db.knex('sessions').where({ id_hash: idHash }).update({ portal_id: String(OTHER) });
    expect((await b.go('/integrations')).visited.at(-1)).toBe(`${fx.url}/login?ended=check`);
    expect(await session(idHash)).toBeUndefined();
  });

  it('the login page names only reasons it knows', async () => {
    for (const q of ['constructor', '__proto__', 'nope']) expect((await fx.browser().go(`/login?ended=${q}`)).body).not.toContain('login-notice');
    expect((await fx.browser().go('/login?ended=check')).body).toContain('login-notice');
  });

  it('a new sign-in ends the browser\'s previous session (it is replaced, not left to expire)', async () => {
    const { b, idHash } = await signIn();
    await b.go('/oauth/install?purpose=login');
    expect(await session(idHash)).toBeUndefined();
    expect((await b.go('/integrations')).visited.at(-1)).toBe(`${fx.url}/integrations`);
  });
});
