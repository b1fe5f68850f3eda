import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Alert, Button, hubspot, StatusTag } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { Signature } from '@hubspot/api-client';
import { KustiqCard } from '../../src/app/cards/KustiqCard';
import { SettingsPage } from '../../src/app/settings/Settings';
import { Link, Text } from '@hubspot/ui-extensions';
import { BACKEND } from '../../src/app/cards/backend';
import { decodeUri, signV3 } from '../../server/hubspot/signature';
import { loadSampleGraph } from '../support/graph';
import { useBackend } from '../support/backend';
import { throughHubSpotProxy, type ProxyOptions } from '../support/hubspot-fetch-proxy';

/**
 * The card against the real backend: hubspot.fetch replaced by what HubSpot does — the
 * portal's and user's ids appended to the query, the request signed (v3) with the app's
 * client secret over PUBLIC_URL + the path and query, sent to the backend app, and its
 * 3xx–5xx answers turned into the proxy's error envelope on the way back to the card
 * (test/support/hubspot-fetch-proxy.ts); "Sync now" runs on a real worker.
 */
describe('the card with the real backend', () => {
  const fx = useBackend({ companies: 20, contacts: 0 }, {}, { worker: true });
  type Rec = { id: string; properties: Record<string, string | undefined> };

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 300);
    await fx.browser().go('/oauth/install?purpose=login');
  });
  afterEach(() => vi.restoreAllMocks());

  /**
   * HubSpot's side of hubspot.fetch, for a user of `portalId`: the backend's raw answer.
   * Signed over the card's origin, which is PUBLIC_URL; sent to where the backend listens.
   */
  const asHubSpot = (portalId: number, tamper?: (url: URL) => void) => async (input: string | URL, init?: { method?: string; body?: unknown }) => {
    const url = new URL(String(input).replace(BACKEND, fx.publicUrl));
    // Appended, as HubSpot does (platform.md §2): a parameter of the same name already there stays.
    url.searchParams.append('userId', '9001');
    url.searchParams.append('userEmail', 'rep@portal.example');
    url.searchParams.append('appId', '1');
    url.searchParams.append('portalId', String(portalId));
    const method = init?.method ?? 'GET';
    const body = method === 'GET' ? '' : JSON.stringify(init?.body ?? {});
    const ts = String(Date.now());
    const signature = signV3(fx.emu.clientSecret, method, url.toString(), body, ts);
    tamper?.(url);
    return fetch(url.toString().replace(fx.publicUrl, fx.url), { method, headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
  };

  /** hubspot.fetch as the card sees it: HubSpot's signed call, and the answer through HubSpot's proxy. */
  const viaProxy = (portalId: number, proxy?: ProxyOptions) => throughHubSpotProxy(asHubSpot(portalId), { portalId, ...proxy });

  const render = (objectId: string, portalId = fx.emu.portalId, proxy?: ProxyOptions) => {
    const r = createRenderer('crm.record.sidebar');
    r.mocks.useCrmProperties.willCall(() => ({ properties: {}, error: null, isLoading: false, isRefetching: false, refetch: async () => {} }));
    vi.spyOn(hubspot, 'fetch').mockImplementation(viaProxy(portalId, proxy) as never);
    r.render(<KustiqCard context={{ crm: { objectId: Number(objectId), objectTypeId: '0-2' }, portal: { timezone: 'UTC' } }} actions={r.mocks.actions as never} />);
    return r;
  };

  it('a rep presses Sync now on a never-synced company: it is written, the alert says so, the values refresh', async () => {
    const companies = (await fx.admin.call<{ results: Rec[] }>('GET', `/portals/${fx.emu.portalId}/objects/companies?limit=100`)).results;
    const target = companies.find((c) => c.properties.domain)!;
    const r = render(target.id);
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Not synced yet'), { timeoutInMs: 3000 });
    r.findByTestId(Button, 'sync-now').trigger('onClick');
    await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1), { timeoutInMs: 15_000 });
    expect(r.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Synced' });
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(1);
    const rec = await fx.admin.call<Rec>('GET', `/portals/${fx.emu.portalId}/objects/companies/${target.id}`);
    expect(rec.properties.kustiq_profile_id).toBeTruthy();
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched'), { timeoutInMs: 3000 });
  });

  it('refuses unsigned, tampered and stale requests, and never serves another portal\'s record', async () => {
    const path = `${BACKEND}/card/v1/record?objectType=companies&objectId=1`;
    expect((await fetch(path.replace(BACKEND, fx.url) + `&portalId=${fx.emu.portalId}`)).status).toBe(401);
    // The portal changed after signing (a user of portal A asking for portal B): refused.
    const moved = await asHubSpot(fx.emu.portalId, (u) => u.searchParams.set('portalId', '999'))(path);
    expect(moved.status).toBe(401);
    // Signed by HubSpot for a portal Kustiq is not installed in: nothing to read.
    const other = await asHubSpot(999)(path);
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('ERR_OAUTH_REVOKED');
    // Stale: signed 6 minutes ago.
    const target = `/card/v1/record?objectType=companies&objectId=1&portalId=${fx.emu.portalId}`;
    const old = String(Date.now() - 6 * 60_000);
    expect((await fetch(fx.url + target, { headers: { 'x-hubspot-signature-v3': signV3(fx.emu.clientSecret, 'GET', fx.publicUrl + target, '', old), 'x-hubspot-request-timestamp': old } })).status).toBe(401);
    // A signed request for a bad object type names the field.
    const bad = await asHubSpot(fx.emu.portalId)(`${BACKEND}/card/v1/record?objectType=deals&objectId=1`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe('objectType');
    // A portalId already in the card's own query, then HubSpot's appended: two portals, refused rather than picking one.
    const twice = await asHubSpot(fx.emu.portalId)(`${BACKEND}/card/v1/record?objectType=companies&objectId=1&portalId=999`);
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe('portalId');
  });

  it('many record views at once (read together in one round trip): each card gets its own record, as when read alone', async () => {
    const signed = asHubSpot(fx.emu.portalId);
    const companies: string[] = await fx.db.knex('company_matches').pluck('company_id');
    await fx.db.knex('contact_writes').insert({ connection_id: (await fx.db.knex('hubspot_connections').first('id')).id, contact_id: '7001', written_at: new Date('2026-11-01T10:00:00Z'), written_hash: 'h' });
    const views = [...companies.map((id) => ['companies', id]), ['companies', '987654321'], ['contacts', '7001'], ['contacts', '7002'], ['companies', companies[0]!]];
    const read = async ([type, id]: string[]) => (await (await signed(`${BACKEND}/card/v1/record?objectType=${type}&objectId=${id}`)).json()) as Record<string, any>;
    const alone = [];
    for (const v of views) alone.push(await read(v));
    const together = await Promise.all(views.map(read));
    expect(together).toEqual(alone);
    expect(new Set(together.map((t) => t.objectId)).size).toBe(views.length - 1);
    expect(together.find((t) => t.objectId === '7001')).toMatchObject({ objectType: 'contacts', status: 'enriched', lastSyncAt: '2026-11-01T10:00:00.000Z' });
    expect(together.find((t) => t.objectId === '7002')).toMatchObject({ objectType: 'contacts', status: 'not_synced' });
  });

  it('signs as @hubspot/api-client\'s own helper verifies, with HubSpot\'s URI decoding (%40 in the query)', () => {
    const url = `${fx.url}/card/v1/record?objectType=companies&objectId=1&userEmail=rep%40portal.example&portalId=1`;
    const ts = String(Date.now());
    const ours = signV3('secret-1', 'GET', url, '', ts);
    // The helper does not decode the URI itself: HubSpot signs the decoded form.
    expect(Signature.isValid({ signatureVersion: 'v3', signature: ours, clientSecret: 'secret-1', method: 'GET', url: decodeUri(url), requestBody: '', timestamp: Number(ts) })).toBe(true);
  });

  it('the app settings page: connection, last sync, the review queue and the way to the dashboard', async () => {
    await fx.db.knex('company_matches').limit(1).update({ status: 'review' });
    const review = Number((await fx.db.knex('company_matches').where({ status: 'review' }).count('* as n').first())!.n);
    const r = createRenderer('settings');
    vi.spyOn(hubspot, 'fetch').mockImplementation(viaProxy(fx.emu.portalId) as never);
    r.render(<SettingsPage />);
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'connection').text).toBe('Connected'), { timeoutInMs: 3000 });
    expect(r.findByTestId(Text, 'review-queue').text).toBe(`${review} companies`);
    expect(r.findByTestId(Text, 'last-sync').text).not.toBe('');
    expect(r.findByTestId(Link, 'dashboard-link').props.href).toEqual({ url: `${fx.url}/sync`, external: true });
  });

  it('the record states the card reads from the backend: in review with its best candidate, skipped with its code', async () => {
    const signed = asHubSpot(fx.emu.portalId);
    const get = async (id: string) => (await (await signed(`${BACKEND}/card/v1/record?objectType=companies&objectId=${id}`)).json()) as Record<string, any>;
    const inReview = await fx.db.knex('company_matches').where({ status: 'review' }).first('company_id', 'candidates');
    await fx.db.knex('company_matches').where({ company_id: inReview.company_id }).update({ candidates: JSON.stringify([{ profileId: (await fx.db.knex('profiles').first('id')).id, confidence: 71 }]) });
    const rv = await get(inReview.company_id);
    expect(rv).toMatchObject({ status: 'review', problem: { code: 'ERR_MATCH_LOW', docUrl: expect.stringMatching(/\/docs\/troubleshooting#match-confidence-low$/) }, match: { bestCandidate: { confidence: 71 } } });
    expect(rv.match.bestCandidate.name).toBeTruthy();
    await fx.db.knex('company_matches').where({ company_id: inReview.company_id }).update({ status: 'skipped' });
    expect(await get(inReview.company_id)).toMatchObject({ status: 'skipped', problem: { code: 'ERR_DOMAIN_EMPTY' } });
    expect(await get('987654321')).toMatchObject({ status: 'not_synced', problem: null });
  });

  /**
   * The states a rep must see with their code, from the real backend through HubSpot's
   * proxy: as production shapes it (a 3xx–5xx of the backend in a 502 envelope) and as
   * `hs project dev`'s proxy does (the envelope with a 200, successes wrapped).
   */
  describe('expected states through HubSpot\'s proxy', () => {
    const PROXIES: [string, ProxyOptions][] = [['a 502 envelope', {}], ['hs project dev: a 200 envelope, successes wrapped', { errorStatus: 200, wrapSuccess: true }]];
    const REVOKED = 'Kustiq is not connected to this HubSpot portal: reconnect from Settings → Integrations.';
    const DISCONNECTED = 555;
    const LATER_DISCONNECTED = 556;

    /** Another workspace and portal, straight in the database (the card's reads need no tokens). */
    const portal = async (portalId: number, status: 'connected' | 'disconnected') => {
      const [ws] = await fx.db.knex('workspaces').insert({ name: `Portal ${portalId}` }).returning('id');
      await fx.db.knex('hubspot_connections').insert({
        workspace_id: ws.id, portal_id: String(portalId), status,
        ...(status === 'disconnected' ? { status_code: 'ERR_OAUTH_REVOKED', disconnected_at: new Date() } : { connected_at: new Date() }),
      });
    };

    beforeAll(async () => {
      await portal(DISCONNECTED, 'disconnected');
      await portal(LATER_DISCONNECTED, 'connected');
      // A company matched while the workspace's credits were spent.
      const conn = await fx.db.knex('hubspot_connections').where({ portal_id: String(fx.emu.portalId) }).first('id');
      await fx.db.knex('company_matches').insert({
        connection_id: conn.id, company_id: '880001', company_name: 'Out of Credits Inc', company_domain: 'ooc.example', status: 'matched',
        profile_id: (await fx.db.knex('profiles').first('id')).id, confidence: 96, method: 'domain', write_status: 'queued', write_error: 'ERR_QUOTA_FREE',
      });
    });

    it.each(PROXIES)('(%s) a portal Kustiq is not installed in, and a disconnected one: ERR_OAUTH_REVOKED with the backend\'s message, no Sync now', async (_name, proxy) => {
      for (const portalId of [999, DISCONNECTED]) {
        const r = render('1', portalId, proxy);
        await r.waitFor(() => expect(r.findByTestId(Alert, 'backend-error').props.title).toBe('Kustiq: ERR_OAUTH_REVOKED'), { timeoutInMs: 3000 });
        expect(r.findByTestId(Alert, 'backend-error').text).toBe(REVOKED);
        expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(true);
        vi.restoreAllMocks();
      }
    });

    it.each(PROXIES)('(%s) out of credits: Waiting for credits, with ERR_QUOTA_FREE', async (_name, proxy) => {
      const r = render('880001', fx.emu.portalId, proxy);
      await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Waiting for credits'), { timeoutInMs: 3000 });
      expect(r.findByTestId(Text, 'problem').text).toContain('ERR_QUOTA_FREE');
    });

    it.each(PROXIES)('(%s) a record Kustiq does not know: Not synced yet, Sync now offered', async (_name, proxy) => {
      const r = render('987650001', fx.emu.portalId, proxy);
      await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Not synced yet'), { timeoutInMs: 3000 });
      expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(false);
    });

    it.each(PROXIES)('(%s) the settings page of a disconnected portal: ERR_OAUTH_REVOKED with the backend\'s message', async (_name, proxy) => {
      const r = createRenderer('settings');
      vi.spyOn(hubspot, 'fetch').mockImplementation(viaProxy(DISCONNECTED, proxy) as never);
      r.render(<SettingsPage />);
      await r.waitFor(() => expect(r.findByTestId(Alert, 'settings-problem').props.title).toBe('Kustiq: ERR_OAUTH_REVOKED'), { timeoutInMs: 3000 });
      expect(r.findByTestId(Alert, 'settings-problem').text).toBe(REVOKED);
    });

    it('Sync now refused (the portal disconnected after the card loaded): "Sync failed: ERR_OAUTH_REVOKED" with the backend\'s message, then the card says so', async () => {
      const r = render('880002', LATER_DISCONNECTED);
      await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Not synced yet'), { timeoutInMs: 3000 });
      await fx.db.knex('hubspot_connections').where({ portal_id: String(LATER_DISCONNECTED) }).update({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED' });
      // The backend caches a portal's connection for 5 s: the refusal comes once it sees the disconnect.
      await new Promise((done) => setTimeout(done, 5200));
      r.findByTestId(Button, 'sync-now').trigger('onClick');
      await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1), { timeoutInMs: 3000 });
      expect(r.mocks.actions.addAlert.calls[0]![0]).toEqual({ type: 'danger', title: 'Sync failed: ERR_OAUTH_REVOKED', message: REVOKED });
      expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(0);
      await r.waitFor(() => expect(r.findByTestId(Alert, 'backend-error').props.title).toBe('Kustiq: ERR_OAUTH_REVOKED'), { timeoutInMs: 3000 });
      expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(true);
    });
  });
});
