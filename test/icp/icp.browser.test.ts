import type { Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IcpDefinition } from '../../server/icp/icp-definition';
import { rescorePortal } from '../../server/icp/rescore-portal';
import { FIT_PROPERTIES, scoreCompany } from '../../server/icp/score';
import { startSync } from '../../server/worker/sync-jobs';
import { sampleProfiles } from '../../server/samples/profile-graph';
import { useBackend } from '../support/backend';
import { loadSampleGraph } from '../support/graph';
import { launchChromium } from '../support/browser';

/**
 * End to end: an ICP defined in the dashboard (a real browser), the rescore job on a real
 * pg-boss worker, and the fit properties on the seeded portal's companies in HubSpot.
 */
describe('defining an ICP in the dashboard scores the portal', () => {
  const fx = useBackend({ portalId: 24_800_005, companies: 560, contacts: 0 }, {}, { worker: true });
  let chromium: Chromium;
  const graph = [...sampleProfiles(800)];
  const companies = () => [...fx.emu.state.portal(fx.emu.portalId).objects.companies.order];
  const byName = (name: string) => companies().find((c) => c.properties.name === name)!;
  const waitFor = async (cond: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 300; i++) { if (await cond()) return; await new Promise((r) => setTimeout(r, 100)); }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, graph.length);
    chromium = await launchChromium();
  });
  afterAll(async () => { await chromium?.close(); });

  it('saves tier A from the form, rescores, and writes scores a person would agree with', async () => {
    const page = await chromium.newPage();
    await page.goto(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    // A first sync (no ICP yet): the rescore scores what HubSpot holds Kustiq's values for.
    const runId = await startSync(fx.services.boss!, fx.services, fx.emu.portalId);
    await waitFor(async () => (await fx.db.knex('sync_runs').where({ id: runId }).first()).status === 'succeeded', 'the first sync');
    // Before any ICP: the rescore writes nothing.
    expect(await rescorePortal(fx.services, fx.emu.portalId)).toMatchObject({ icp: false, written: 0 });
    expect(companies().filter((c) => c.properties.kustiq_icp_grade)).toEqual([]);

    await page.getByTestId('nav-icp').click();
    await page.waitForURL(`${fx.url}/icp`);
    expect(await page.getByTestId('icp-status').textContent()).toBe('No ICP saved yet.');
    // A mistake first: a weighted criterion with no target is named, nothing is saved.
    await page.getByTestId('A-enabled').check();
    await page.getByTestId('A-industry-values').selectOption(['software', 'internet']);
    await page.getByTestId('A-industry-weight').fill('5');
    await page.getByTestId('A-headcount_band-weight').fill('3');
    await page.getByTestId('icp-save').click();
    await page.waitForLoadState();
    expect(await page.getByTestId('icp-problems').textContent()).toContain('Tier A · Headcount: pick at least one value');
    expect(await fx.db.knex('icp_definitions').count('* as n').first()).toEqual({ n: '0' });
    // The form kept what was typed; fix it and add two more criteria.
    expect(await page.getByTestId('A-industry-values').evaluate((el) => [...(el as unknown as { selectedOptions: { value: string }[] }).selectedOptions].map((o) => o.value))).toEqual(['software', 'internet']);
    expect(await page.getByTestId('A-headcount_band-weight').inputValue()).toBe('3');
    await page.getByTestId('A-headcount_band-values').selectOption(['10001_plus']);
    await page.getByTestId('A-tech_none-values').fill('oracle');
    await page.getByTestId('A-tech_none-weight').fill('1');
    await page.getByTestId('A-name').fill('Big tech');
    await page.getByTestId('icp-save').click();
    await page.waitForURL(`${fx.url}/icp?saved=1`);
    expect(await page.getByTestId('icp-status').textContent()).toMatch(/^Saved version 1/);
    await page.screenshot({ path: 'test-results/icp-page.png', fullPage: true });

    const matched = await fx.db.knex('company_matches').where({ status: 'matched' }).count('* as n').first();
    await waitFor(async () => (await fx.db.knex('company_matches').whereNotNull('fit_written_at').count('* as n').first())!.n === matched!.n, 'the rescore job');

    // Every matched company carries the fit values its profile earns; nothing else got them.
    const icp = IcpDefinition.parse((await fx.db.knex('icp_definitions').first()).definition);
    const rows = await fx.db.knex('company_matches as m').join('profiles as p', 'p.id', 'm.profile_id').where({ 'm.status': 'matched' }).select('m.company_id', 'p.values');
    const profileOf = new Map(rows.map((r) => [r.company_id as string, r.values as Record<string, string>]));
    for (const c of companies()) {
      const values = profileOf.get(c.id);
      if (!values) { expect(c.properties.kustiq_icp_grade ?? '').toBe(''); continue; }
      const want = scoreCompany(icp, values)!;
      expect(c.properties.kustiq_score_a).toBe(String(want.kustiq_score_a));
      expect(c.properties.kustiq_icp_grade).toBe(want.kustiq_icp_grade);
      expect(c.properties.kustiq_icp_explanation).toBe(want.kustiq_icp_explanation);
      expect(c.properties.kustiq_score_b ?? '').toBe('');
    }
    // What a person would say: Microsoft and Alphabet are big tech; Walmart is not.
    const msft = byName('Microsoft').properties;
    expect(msft.kustiq_icp_grade).toMatch(/^[AB]$/);
    expect(msft.kustiq_icp_explanation).toMatch(/^Tier A fit \d+: software, 10,001\+ staff/);
    expect(Number(byName('Alphabet').properties.kustiq_score_a)).toBeGreaterThanOrEqual(65);
    const walmart = byName('Walmart').properties;
    expect(walmart.kustiq_icp_grade).toBe('F');
    expect(walmart.kustiq_icp_explanation).toContain('retail (not a target industry)');
  });

  it('a changed ICP rewrites only the fit properties, only where they changed', async () => {
    const before = new Map(companies().map((c) => [c.id, { ...c.properties }]));
    const updates = async () => (await fx.admin.requests(fx.emu.portalId)).byEndpoint['POST /crm/v3/objects/:objectType/batch/update']?.count ?? 0;
    const updatesBefore = await updates();
    // One criterion widened (SAP joins Oracle as a product they must not use): SAP users' scores
    // move, and explanations that name the criterion change their words.
    const current = IcpDefinition.parse((await fx.db.knex('icp_definitions').first()).definition);
    const next = { tiers: current.tiers.map((t) => ({ ...t, criteria: t.criteria.map((c) => (c.field === 'tech_stack' ? { ...c, values: ['oracle', 'sap'] } : c)) })) };
    const usesSap = new Set((await fx.db.knex('company_matches as m').join('profiles as p', 'p.id', 'm.profile_id').where({ 'm.status': 'matched' })
      .whereRaw(`(';' || (p.values->>'tech_stack') || ';') LIKE '%;sap;%'`).select('m.company_id')).map((r) => r.company_id as string));
    await fx.db.knex('icp_definitions').update({ definition: JSON.stringify(next) });
    const tally = await rescorePortal(fx.services, fx.emu.portalId);
    const changedIds = companies().filter((c) => JSON.stringify(c.properties) !== JSON.stringify(before.get(c.id))).map((c) => c.id);
    expect(tally.changed).toBeGreaterThan(0);
    expect(tally.changed).toBe(tally.written);
    expect(tally.unchanged).toBeGreaterThan(0);
    expect(tally.batches).toBe(Math.ceil(tally.changed / 100));
    expect(await updates()).toBe(updatesBefore + tally.batches);
    // Exactly the companies whose fit values differ were rewritten, and nothing outside the fit properties moved.
    const values = new Map((await fx.db.knex('company_matches as m').join('profiles as p', 'p.id', 'm.profile_id').where({ 'm.status': 'matched' }).select('m.company_id', 'p.values')).map((r) => [r.company_id as string, r.values]));
    const differs = [...values].filter(([, v]) => JSON.stringify(scoreCompany(current, v)) !== JSON.stringify(scoreCompany(IcpDefinition.parse(next), v))).map(([id]) => id);
    expect(changedIds.sort()).toEqual(differs.sort());
    expect(differs.length).toBeLessThan(values.size);
    const stack = (id: string) => String(values.get(id)?.tech_stack ?? '').split(';');
    const sapNotOracle = [...usesSap].filter((id) => !stack(id).includes('oracle'));
    expect(sapNotOracle.length).toBeGreaterThan(0);
    for (const id of sapNotOracle) expect(changedIds).toContain(id);
    for (const id of changedIds) {
      const was = before.get(id)!;
      const now = companies().find((c) => c.id === id)!.properties;
      const moved = Object.keys(now).filter((k) => now[k] !== was[k] && k !== 'hs_lastmodifieddate');
      expect(moved.every((k) => (FIT_PROPERTIES as readonly string[]).includes(k)), moved.join(',')).toBe(true);
    }
    const sapUser = companies().find((c) => c.id === sapNotOracle[0])!;
    expect(Number(sapUser.properties.kustiq_score_a)).toBeLessThan(Number(before.get(sapUser.id)!.kustiq_score_a));
    // Run again with nothing changed: no request at all.
    expect(await rescorePortal(fx.services, fx.emu.portalId)).toMatchObject({ changed: 0, written: 0, batches: 0 });
    expect(await updates()).toBe(updatesBefore + tally.batches);
  });

  it('lookalike mode derives a tier from best customers and shows it before saving', async () => {
    const page = await chromium.newPage();
    await page.goto(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await page.goto(`${fx.url}/icp`);
    const software = graph.filter((p) => p.industry === 'software' && p.headcount_band === '10001_plus').slice(0, 5);
    expect(software.length).toBeGreaterThanOrEqual(3);
    await page.getByTestId('lookalike-tier').selectOption('C');
    await page.getByTestId('lookalike-domains').fill([...software.map((p) => `https://www.${p.domain}/`), 'unknown-company.example.com'].join('\n'));
    await page.getByTestId('lookalike-derive').click();
    await page.waitForLoadState();
    const result = await page.getByTestId('lookalike-result').textContent();
    expect(result).toContain(`Derived from ${software.length} customers`);
    expect(result).toContain('example.com');
    expect(await page.getByTestId('C-enabled').isChecked()).toBe(true);
    expect(await page.getByTestId('C-industry-values').evaluate((el) => [...(el as unknown as { selectedOptions: { value: string }[] }).selectedOptions].map((o) => o.value))).toEqual(['software']);
    // Not saved until the user saves.
    expect(IcpDefinition.parse((await fx.db.knex('icp_definitions').first()).definition).tiers.map((t) => t.tier)).toEqual(['A']);
    await page.getByTestId('icp-save').click();
    await page.waitForURL(`${fx.url}/icp?saved=1`);
    expect(IcpDefinition.parse((await fx.db.knex('icp_definitions').first()).definition).tiers.map((t) => t.tier)).toEqual(['A', 'C']);
  });

  it('the JSON API validates an ICP, names the bad field, and queues a rescore on save', async () => {
    const b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const call = (method: string, p: string, body?: unknown) => b.go(p, { method, headers: { 'content-type': 'application/json', 'x-kustiq-csrf': csrf }, body: body === undefined ? undefined : JSON.stringify(body) });
    const bad = await call('PUT', '/api/icp', { tiers: [{ tier: 'A', criteria: [{ field: 'funding_stage', values: ['series_z'], weight: 2 }] }] });
    expect(bad.res.status).toBe(400);
    expect(JSON.parse(bad.body).error.fields[0]).toMatchObject({ field: 'tiers.0.criteria.0.values.0', problem: expect.stringContaining('"series_z" is not a funding_stage value') });
    const ok = await call('PUT', '/api/icp', { tiers: [{ tier: 'A', criteria: [{ field: 'hq_country', values: ['US'], weight: 2 }] }] });
    expect(ok.res.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ version: expect.any(Number), rescore: { queued: true } });
    const got = JSON.parse((await call('GET', '/api/icp')).body);
    expect(got.icp.definition).toEqual({ tiers: [{ tier: 'A', criteria: [{ field: 'hq_country', values: ['US'], weight: 2 }] }] });
    // Lookalike from a HubSpot company list (the optional crm.lists.read scope): the members' domains.
    const picked = companies().filter((c) => graph.find((p) => p.industry === 'software' && String(c.properties.domain ?? '').includes(String(p.domain)))).slice(0, 6);
    expect(picked.length).toBeGreaterThanOrEqual(3);
    const list = await fx.admin.call<{ listId: string }>('POST', `/portals/${fx.emu.portalId}/lists`, { name: 'Best customers', recordIds: picked.map((c) => c.id) });
    const fromList = await call('POST', '/api/icp/lookalike', { tier: 'B', listId: list.listId });
    expect(fromList.res.status, fromList.body).toBe(200);
    const derived = JSON.parse(fromList.body);
    expect(derived).toMatchObject({ saved: false, preview: { customers: picked.length, tier: { tier: 'B' } } });
    expect(derived.preview.tier.criteria.find((c: { field: string }) => c.field === 'industry')).toMatchObject({ values: ['software'] });
    const preview = await call('POST', '/api/icp/lookalike', { tier: 'B', domains: ['walmart.com'] });
    expect(preview.res.status).toBe(400);
    expect(JSON.parse(preview.body).error.fields[0]).toMatchObject({ field: 'domains', problem: expect.stringContaining('at least 3 customers') });
  });
});
