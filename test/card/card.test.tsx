import { afterEach, describe, expect, it, vi } from 'vitest';
import { Alert, Button, DescriptionList, DescriptionListItem, EmptyState, hubspot, Link, LoadingSpinner, StatusTag, Tag, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { KustiqCard } from '../../src/app/cards/KustiqCard';
import { COMPANY_PROPERTIES } from '../../src/app/cards/catalog.generated';

/** Every state of the card, rendered with HubSpot's testing renderer (no DOM), the backend answered by a stub. */
type Status = Record<string, unknown>;
const company = { crm: { objectId: 4242, objectTypeId: '0-2' }, portal: { id: 123, timezone: 'Europe/Berlin' } };
const contact = { crm: { objectId: 77, objectTypeId: '0-1' }, portal: { id: 123, timezone: 'America/New_York' } };
const problem = (code: string, title: string, anchor: string) => ({ code, title, action: '…', docUrl: `https://app.kustiq.com/docs/troubleshooting#${anchor}` });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function setup(opts: { context?: typeof company; values?: Record<string, string | null>; backend?: (url: string, init?: { method?: string }) => Promise<Response> }) {
  const r = createRenderer('crm.record.sidebar');
  r.mocks.useCrmProperties.willCall(() => ({ properties: opts.values ?? {}, error: null, isLoading: false, isRefetching: false, refetch: async () => {} }));
  vi.spyOn(hubspot, 'fetch').mockImplementation((async (url: string, init?: { method?: string }) => opts.backend!(String(url), init)) as never);
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
