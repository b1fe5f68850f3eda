import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';
import { useBackend } from '../support/backend';

/** Async on purpose: the local HubSpot runs in this process and must keep answering. */
function kustiq(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KUSTIQ_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('disconnect: from the dashboard, the API and the CLI', () => {
  const fx = useBackend({ portalId: 24_500_001 });
  const portal = () => fx.emu.portalId;
  const conn = () => fx.db.knex('hubspot_connections').where({ portal_id: String(portal()) }).first();
  const refreshWorks = async (refreshToken: string) => {
    const r = await fetch(`${fx.emu.url}/oauth/2026-03/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', client_id: fx.emu.clientId, client_secret: fx.emu.clientSecret, refresh_token: refreshToken }) });
    return r.status === 200;
  };
  const currentRefreshToken = async () => fx.services.vault.refreshTokenOf(await conn())!;
  const kustiqProps = async () => (await fx.admin.call<{ results: { name: string }[] }>('GET', `/portals/${portal()}/properties/companies`)).results.filter((p) => p.name.startsWith('kustiq_')).length;

  it('the dashboard button revokes at HubSpot, drops the tokens, keeps the properties and ends every session of the workspace', async () => {
    const other = fx.browser();
    await other.go('/oauth/install?purpose=login');
    expect((await other.go('/integrations')).res.status).toBe(200);
    const b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const rt = await currentRefreshToken();
    expect(await refreshWorks(rt)).toBe(true);
    // A forged form (no CSRF token) is refused.
    const forged = await b.go('/integrations/hubspot/disconnect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=nope' });
    expect(forged.res.status).toBe(403);
    expect((await conn()).status).toBe('connected');

    const r = await b.go('/integrations/hubspot/disconnect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }).toString() });
    // Signed out, with the reason, on the login page (whose button signs in and connects again).
    expect(r.visited.at(-1)).toBe(`${fx.url}/login?ended=disconnect`);
    expect(r.body).toContain('HubSpot was disconnected from this workspace');
    expect(b.cookies.has('kustiq_session')).toBe(false);
    expect(await fx.db.knex('sessions').count<{ n: string }[]>('* as n').then((x) => Number(x[0]!.n))).toBe(0);
    // The other browser's session of the same workspace ended too.
    const stale = await other.go('/integrations');
    expect(stale.visited.at(-1)).toBe(`${fx.url}/login`);
    expect(await conn()).toMatchObject({ status: 'disconnected', refresh_token_enc: null, access_token_enc: null });
    expect(await refreshWorks(rt)).toBe(false);
    expect(await kustiqProps()).toBe(33);
  });

  it('the API disconnects with the session and its CSRF header, and 401s without a session', async () => {
    const b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const view = await b.go('/api/connection');
    const json = JSON.parse(view.body);
    expect(json.connection).toMatchObject({ portalId: portal(), status: 'connected' });
    expect(view.body).not.toMatch(/token/i);
    expect((await fx.browser().go('/api/connection')).res.status).toBe(401);
    const noHeader = await b.go('/api/connection/disconnect', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noHeader.res.status).toBe(403);
    expect(JSON.parse(noHeader.body).error.field).toBe('x-kustiq-csrf');
    const ok = await b.go('/api/connection/disconnect', { method: 'POST', headers: { 'content-type': 'application/json', 'x-kustiq-csrf': csrf }, body: '{}' });
    expect(JSON.parse(ok.body)).toEqual({ disconnected: { portalId: portal(), revokedAtHubSpot: true, sessionsEnded: 1 } });
    // The session that disconnected ended with the others.
    expect((await b.go('/api/connection')).res.status).toBe(401);
  });

  it('`kustiq disconnect --portal` does the same from the command line', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    const rt = await currentRefreshToken();
    const r = await kustiq(['disconnect', '--portal', String(portal()), '--json'], { ...fx.env, LOG_LEVEL: 'warn' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ disconnected: { portalId: portal(), revokedAtHubSpot: true, sessionsEnded: 1 } });
    expect(Number((await fx.db.knex('sessions').count<{ n: string }[]>('* as n'))[0]!.n)).toBe(0);
    expect((await conn()).status).toBe('disconnected');
    expect(await refreshWorks(rt)).toBe(false);
    const unknown = await kustiq(['disconnect', '--portal', '999', '--json'], fx.env);
    expect(unknown.status).toBe(1);
    expect(JSON.parse(unknown.stdout).error.message).toMatch(/no HubSpot connection for portal 999/);
  });

  it('no token, code, client secret or key ever reaches a log line', async () => {
    const secrets = [
      fx.env.HUBSPOT_CLIENT_SECRET!, fx.env.KUSTIQ_SESSION_SECRET!, fx.env.KUSTIQ_ENCRYPTION_KEYS!.split(':')[1]!,
      ...[...fx.emu.state.tokens.keys()], ...[...fx.emu.state.codes.keys()],
    ];
    expect(fx.logs.length).toBeGreaterThan(3);
    const all = fx.logs.join('\n');
    for (const s of secrets) expect(all.includes(s), `log contains a secret (${s.slice(0, 6)}…)`).toBe(false);
  });
});
