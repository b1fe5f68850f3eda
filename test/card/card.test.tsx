import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Alert, Button, DescriptionList, DescriptionListItem, EmptyState, hubspot, Link, LoadingSpinner, StatusTag, Tag, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { KustiqCard } from '../../src/app/cards/KustiqCard';
import { COMPANY_PROPERTIES } from '../../src/app/cards/catalog.generated';
import { readAnswer } from '../../src/app/cards/backend';
import { proxyFailure, throughHubSpotProxy, type ProxyOptions } from '../support/hubspot-fetch-proxy';

/**
 * Every state of the card, rendered with HubSpot's testing renderer (no DOM), the backend
 * answered by a stub, reached through a fake of HubSpot's hubspot.fetch proxy (a 3xx–5xx
 * arrives as the proxy's error envelope, never as the backend's answer).
 */
type Status = Record<string, unknown>;
const company = { crm: { objectId: 4242, objectTypeId: '0-2' }, portal: { id: 123, timezone: 'Europe/Berlin' } };
const contact = { crm: { objectId: 77, objectTypeId: '0-1' }, portal: { id: 123, timezone: 'America/New_York' } };
const problem = (code: string, title: string, anchor: string) => ({ code, title, action: '…', docUrl: `https://app.kustiq.com/docs/troubleshooting#${anchor}` });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

type Backend = (url: string, init?: { method?: string }) => Promise<Response>;

function setup(opts: { context?: typeof company; values?: Record<string, string | null>; backend?: Backend; proxy?: ProxyOptions; fetch?: () => Promise<Response> }) {
  const r = createRenderer('crm.record.sidebar');
  r.mocks.useCrmProperties.willCall(() => ({ properties: opts.values ?? {}, error: null, isLoading: false, isRefetching: false, refetch: async () => {} }));
  vi.spyOn(hubspot, 'fetch').mockImplementation((opts.fetch ?? throughHubSpotProxy((url, init) => opts.backend!(url, init), opts.proxy)) as never);
  r.render(<KustiqCard context={opts.context ?? company} actions={r.mocks.actions as never} />);
  return r;
}
const status = (s: Partial<Status>) => async () => json(200, { status: 'not_synced', problem: null, match: null, lastSyncAt: null, sync: null, ...s });

const ENRICHED = {
  kustiq_profile_id: 'p-1', kustiq_industry: 'software', kustiq_headcount_band: '201-500', kustiq_match_confidence: '97', kustiq_match_method: 'domain',
  kustiq_tech_stack: 'hubspot;salesforce', kustiq_icp_grade: 'A', kustiq_icp_explanation: 'Tier A fit 85: software, 201–500 staff, uses HubSpot',
  kustiq_last_synced_at: String(Date.now() - 3 * 3_600_000), kustiq_arr_estimate: '12000000',
};

afterEach(() => vi.restoreAllMocks());

describe('the Kustiq card', () => {
  it('shows a spinner while the record\'s state loads', () => {
    const r = setup({ backend: () => new Promise(() => {}) });
    expect(r.find(LoadingSpinner).props.label).toBe('Loading Kustiq data');
  });

  it('an enriched company: status, match, last sync in the portal\'s time zone, the values at a glance, tech tags, ICP, and all 33', async () => {
    const r = setup({ values: ENRICHED, backend: status({ status: 'enriched', lastSyncAt: new Date().toISOString(), match: { confidence: 97, method: 'domain', bestCandidate: null } }) });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched'));
    expect(r.findByTestId(Text, 'match').text).toBe('Match 97% by Domain');
    expect(r.findByTestId(Text, 'last-sync').text).toMatch(/^Last synced 3 h ago · .*\(Europe\/Berlin\)$/);
    expect(r.findAll(Tag).map((t) => t.text)).toEqual(['hubspot', 'salesforce']);
    expect(r.findByTestId(Text, 'icp-explanation').text).toContain('Tier A fit 85');
    const all = r.findByTestId(DescriptionList, 'all-properties');
    expect(all.findAll(DescriptionListItem)).toHaveLength(COMPANY_PROPERTIES.length);
    expect(COMPANY_PROPERTIES.length).toBe(33);
    // Empty ones are shown as empty.
    expect(all.findAll(DescriptionListItem).find((i) => i.props.label === 'kustiq_hq_city')!.find(Text).text).toBe('—');
    expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(false);
  });

  it.each([
    ['review', 'In review', problem('ERR_MATCH_LOW', 'Match confidence under 80%', 'match-confidence-low')],
    ['unmatched', 'Unmatched', problem('ERR_MATCH_LOW', 'Match confidence under 80%', 'match-confidence-low')],
    ['skipped', 'Skipped', problem('ERR_DOMAIN_EMPTY', 'Empty domain on company record', 'empty-domain')],
    ['waiting', 'Waiting for credits', problem('ERR_QUOTA_FREE', 'Plan credits used up', 'quota-free-tier')],
  ])('a company %s: its code and the troubleshooting link', async (state, label, p) => {
    const best = state === 'review' ? { profileId: 'p-9', name: 'Northwind Labs', domain: 'northwind.example', confidence: 72 } : null;
    const r = setup({ values: { kustiq_profile_id: null, kustiq_match_confidence: 'abc' }, backend: status({ status: state, problem: p, match: { confidence: 72, method: 'name', bestCandidate: best } }) });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe(label));
    expect(r.findByTestId(Text, 'problem').text).toContain(p.code);
    expect(r.findByTestId(Link, 'problem-link').props.href).toEqual({ url: p.docUrl, external: true });
    if (best) expect(r.findByTestId(Text, 'best-candidate').text).toBe('Best candidate: Northwind Labs (northwind.example), 72% confidence');
    expect(r.findByTestId(Text, 'last-sync').text).toBe('Never synced');
  });

  it('a company never synced: the empty state', async () => {
    const r = setup({ values: {}, backend: status({ status: 'not_synced' }) });
    await r.waitFor(() => expect(r.find(EmptyState).props.title).toBe('Not synced yet'));
  });

  it('the backend unreachable: says so, still shows what HubSpot holds, and can try again', async () => {
    let calls = 0;
    const r = setup({ values: ENRICHED, backend: async () => { calls++; throw new Error('BAD_GATEWAY'); } });
    await r.waitFor(() => expect(r.findByTestId(Alert, 'backend-unreachable').props.title).toBe('Kustiq could not be reached'));
    expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched');
    expect(r.findAll(Tag)).toHaveLength(2);
    r.find(Link).trigger('onClick');
    await r.waitFor(() => expect(calls).toBe(2));
  });

  it('a disconnected portal: the code, and no Sync now', async () => {
    const r = setup({ values: {}, backend: async () => json(409, { error: { code: 'ERR_OAUTH_REVOKED', message: 'Kustiq is not connected to this HubSpot portal' } }) });
    await r.waitFor(() => expect(r.findByTestId(Alert, 'backend-error').props.title).toBe('Kustiq: ERR_OAUTH_REVOKED'));
    expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(true);
  });

  it('a contact: role, department, seniority, email confidence and the last sync', async () => {
    const r = setup({
      context: contact as never,
      values: { kustiq_contact_role: 'decision_maker', kustiq_contact_department: 'finance', kustiq_contact_seniority: 'vp', kustiq_email_confidence: '92' },
      backend: status({ status: 'enriched', lastSyncAt: new Date(Date.now() - 5 * 60_000).toISOString() }),
    });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched'));
    const items = r.findByTestId(DescriptionList, 'contact-properties').findAll(DescriptionListItem);
    expect(items).toHaveLength(4);
    expect(items.map((i) => `${i.props.label}: ${i.find(Text).text}`)).toEqual(expect.arrayContaining([expect.stringMatching(/role: Decision maker$/i), expect.stringMatching(/seniority: VP$/i)]));
    expect(r.findByTestId(Text, 'last-sync').text).toMatch(/^Last synced 5 min ago · .*\(America\/New_York\)$/);
  });

  it('Sync now: disabled while it runs, an alert when it ends, and the values refreshed', async () => {
    let polls = 0;
    const r = setup({
      values: ENRICHED,
      backend: async (url, init) => {
        if (url.includes('/record/sync') && init?.method === 'POST') return json(202, { sync: { id: 's-1', status: 'queued', outcome: null, code: null, detail: null } });
        if (url.includes('/record-syncs/s-1')) return json(200, { sync: { id: 's-1', status: ++polls < 2 ? 'running' : 'succeeded', outcome: 'written', code: null, detail: null } });
        return status({ status: 'enriched' })();
      },
    });
    await r.waitFor(() => expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(false));
    r.findByTestId(Button, 'sync-now').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(true));
    expect(r.findByTestId(Button, 'sync-now').text).toBe('Syncing…');
    await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1), { timeoutInMs: 5000 });
    expect(r.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Synced' });
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(1);
    await r.waitFor(() => expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(false));
  });

  it('Sync now refused (credits spent): the code in the alert, nothing refreshed', async () => {
    const r = setup({
      values: {},
      backend: async (url, init) => {
        if (init?.method === 'POST') return json(202, { sync: { id: 's-2', status: 'queued', outcome: null, code: null, detail: null } });
        if (url.includes('/record-syncs/')) return json(200, { sync: { id: 's-2', status: 'succeeded', outcome: 'skipped', code: 'ERR_QUOTA_FREE', detail: '3 of 3 credits used this week' } });
        return status({ status: 'waiting', problem: problem('ERR_QUOTA_FREE', 'Plan credits used up', 'quota-free-tier') })();
      },
    });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Waiting for credits'));
    r.findByTestId(Button, 'sync-now').trigger('onClick');
    await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1), { timeoutInMs: 5000 });
    expect(r.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'warning', title: 'Not synced: ERR_QUOTA_FREE', message: '3 of 3 credits used this week' });
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(0);
  });
});

/**
 * The states a rep must see with their code, through HubSpot's proxy as production and
 * `hs project dev` shape it: the backend's 3xx–5xx answers arrive as the proxy's envelope
 * (with a 502, or with a 200 from the dev proxy, whose successes also come wrapped).
 */
const REVOKED = { error: { code: 'ERR_OAUTH_REVOKED', message: 'Kustiq is not connected to this HubSpot portal: reconnect from Settings → Integrations.' } };
const sync = (s: Partial<Record<string, unknown>>) => ({ sync: { id: 's-9', status: 'queued', outcome: null, code: null, detail: null, ...s } });

describe.each([
  ['production (a 502 envelope)', {} as ProxyOptions],
  ["hs project dev (a 200 envelope, successes wrapped)", { errorStatus: 200, wrapSuccess: true } as ProxyOptions],
])('the card through HubSpot\'s proxy: %s', (_name, proxy) => {
  it.each([
    ['disconnected', 409],
    ['not installed in', 409],
  ])('a portal Kustiq is %s (the backend\'s %d with ERR_OAUTH_REVOKED): the code, the backend\'s message, and no Sync now', async (_state, code) => {
    const r = setup({ values: {}, proxy, backend: async () => json(code, REVOKED) });
    await r.waitFor(() => expect(r.findByTestId(Alert, 'backend-error').props.title).toBe('Kustiq: ERR_OAUTH_REVOKED'));
    expect(r.findByTestId(Alert, 'backend-error').text).toBe(REVOKED.error.message);
    expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(true);
  });

  it('out of credits: Waiting for credits, ERR_QUOTA_FREE and its link', async () => {
    const p = problem('ERR_QUOTA_FREE', 'Plan credits used up', 'quota-free-tier');
    const r = setup({ values: {}, proxy, backend: status({ status: 'waiting', problem: p, match: { confidence: 96, method: 'domain', bestCandidate: null } }) });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Waiting for credits'));
    expect(r.findByTestId(Text, 'problem').text).toContain('ERR_QUOTA_FREE: Plan credits used up');
    expect(r.findByTestId(Link, 'problem-link').props.href).toEqual({ url: p.docUrl, external: true });
  });

  it('a record Kustiq does not know: Not synced yet, Sync now offered', async () => {
    const r = setup({ values: {}, proxy, backend: status({ status: 'not_synced' }) });
    await r.waitFor(() => expect(r.find(EmptyState).props.title).toBe('Not synced yet'));
    expect(r.findByTestId(StatusTag, 'status').text).toBe('Not synced yet');
    expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(false);
  });

  it.each([
    ['the portal disconnected since the card loaded (409)', async () => json(409, REVOKED), { title: 'Sync failed: ERR_OAUTH_REVOKED', message: REVOKED.error.message }],
    ['no worker to run it (503)', async () => json(503, { error: { message: 'no job queue in this process: run a worker' } }), { title: 'Sync failed', message: 'no job queue in this process: run a worker' }],
  ])('Sync now refused, %s: the backend\'s code and message in the alert, nothing refreshed', async (_why, refuse, alert) => {
    const r = setup({ values: ENRICHED, proxy, backend: async (_url, init) => (init?.method === 'POST' ? refuse() : status({ status: 'enriched' })()) });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched'));
    r.findByTestId(Button, 'sync-now').trigger('onClick');
    await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1));
    expect(r.mocks.actions.addAlert.calls[0]![0]).toEqual({ type: 'danger', ...alert });
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(0);
  });

  it('Sync now out of credits: "Not synced: ERR_QUOTA_FREE" with the reason', async () => {
    const r = setup({
      values: {}, proxy,
      backend: async (url, init) => {
        if (init?.method === 'POST') return json(202, sync({}));
        if (url.includes('/record-syncs/s-9')) return json(200, sync({ status: 'succeeded', outcome: 'skipped', code: 'ERR_QUOTA_FREE', detail: '3 of 3 credits used this week' }));
        return status({ status: 'not_synced' })();
      },
    });
    await r.waitFor(() => expect(r.findByTestId(Button, 'sync-now').props.disabled).toBe(false));
    r.findByTestId(Button, 'sync-now').trigger('onClick');
    await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1), { timeoutInMs: 5000 });
    expect(r.mocks.actions.addAlert.calls[0]![0]).toEqual({ type: 'warning', title: 'Not synced: ERR_QUOTA_FREE', message: '3 of 3 credits used this week' });
  });

  it('Sync now whose sync the backend no longer knows (404 while following it): the backend\'s message', async () => {
    const r = setup({
      values: ENRICHED, proxy,
      backend: async (url, init) => {
        if (init?.method === 'POST') return json(202, sync({}));
        if (url.includes('/record-syncs/')) return json(404, { error: { message: 'No such sync for this portal' } });
        return status({ status: 'enriched' })();
      },
    });
    await r.waitFor(() => expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched'));
    r.findByTestId(Button, 'sync-now').trigger('onClick');
    await r.waitFor(() => expect(r.mocks.actions.addAlert.callCount).toBe(1), { timeoutInMs: 5000 });
    expect(r.mocks.actions.addAlert.calls[0]![0]).toEqual({ type: 'danger', title: 'Sync failed', message: 'No such sync for this portal' });
  });

  it('the proxy\'s own failure (it timed out: an envelope with no answer of the backend in it): could not be reached, HubSpot\'s values still shown', async () => {
    const r = setup({ values: ENRICHED, fetch: async () => proxyFailure({ errorStatus: proxy.errorStatus ?? 504 }) });
    await r.waitFor(() => expect(r.findByTestId(Alert, 'backend-unreachable').props.title).toBe('Kustiq could not be reached'));
    expect(r.findByTestId(StatusTag, 'status').text).toBe('Enriched');
  });
});

describe('readAnswer: the backend\'s answer out of whatever hubspot.fetch returned', () => {
  const envelope = (appStatus: number, responseBody: unknown) => ({
    status: 'error', category: 'BAD_GATEWAY', message: 'Error returned from Request Uri', responseBody,
    context: { portalId: ['1'], httpMethod: ['GET'], requestUri: ['https://app.kustiq.com/card/v1/record'], correlationId: ['c'], appServerStatusCode: [String(appStatus)] },
    errors: [{ message: `Unacceptable HTTP status ${appStatus} calling https://app.kustiq.com/card/v1/record` }],
  });
  const failed = (a: ReturnType<typeof readAnswer>) => (a.ok ? null : { message: a.error.message, code: a.error.code, status: a.error.status });

  it('a 2xx passed on as is, or wrapped as a success envelope', () => {
    expect(readAnswer(200, { status: 'enriched', problem: null })).toEqual({ ok: true, body: { status: 'enriched', problem: null } });
    expect(readAnswer(202, { status: 'success', responseBody: { sync: { id: 's' } }, context: { appServerStatusCode: ['202'] } })).toEqual({ ok: true, body: { sync: { id: 's' } } });
    expect(readAnswer(200, { status: 'success', responseBody: '{"sync":{"id":"s"}}', context: {} })).toEqual({ ok: true, body: { sync: { id: 's' } } });
  });

  it('a backend error in the proxy\'s envelope, whatever the envelope\'s own HTTP status: the backend\'s code, message and status', () => {
    for (const http of [502, 200, 500]) {
      expect(failed(readAnswer(http, envelope(409, REVOKED)))).toEqual({ ...REVOKED.error, status: 409 });
      expect(failed(readAnswer(http, envelope(503, { error: { message: 'no job queue in this process: run a worker' } })))).toEqual({ message: 'no job queue in this process: run a worker', code: null, status: 503 });
      expect(failed(readAnswer(http, envelope(500, '<html>oops</html>')))).toEqual({ message: 'Kustiq answered 500', code: null, status: 500 });
    }
  });

  it('a backend error passed on as is (no proxy in between): its code, message and status', () => {
    expect(failed(readAnswer(409, REVOKED))).toEqual({ ...REVOKED.error, status: 409 });
    expect(failed(readAnswer(502, {}))).toEqual({ message: 'Kustiq answered 502', code: null, status: 502 });
  });

  it('the settings page reads answers with the very same code (its copy of proxy-answer.ts is identical)', () => {
    const read = (ext: string) => readFileSync(new URL(`../../src/app/${ext}/proxy-answer.ts`, import.meta.url), 'utf8');
    expect(read('settings')).toBe(read('cards'));
  });

  it('the proxy\'s own refusal or failure (no backend answer in it): its message, no code', () => {
    expect(failed(readAnswer(400, { status: 'error', category: 'VALIDATION_ERROR', message: "Only 'Authorization' header is allowed", context: {} }))).toEqual({ message: "Only 'Authorization' header is allowed", code: null, status: null });
    expect(failed(readAnswer(200, { ...envelope(500, undefined) }))).toEqual({ message: 'Error returned from Request Uri', code: null, status: null });
  });
});
