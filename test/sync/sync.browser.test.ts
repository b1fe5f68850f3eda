import type { Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';
import { loadSampleGraph } from '../support/graph';
import { grantCredits } from '../../server/credits/credit-ledger';

/** The Sync page in a real browser: start a full sync, watch its batches, see skipped reasons by code. */
describe('the Sync page', () => {
  const fx = useBackend({ companies: 600, contacts: 200 }, { KUSTIQ_CREDITS: 'metered' }, { worker: true, emulatorProcess: true });
  let chromium: Chromium;
  beforeAll(async () => {
    await loadSampleGraph(fx.db.knex, 1200);
    chromium = await launchChromium();
  });
  afterAll(async () => { await chromium?.close(); });

  it('starts a run and shows its progress per batch, live', async () => {
    const page = await chromium.newPage();
    await page.goto(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await page.getByTestId('nav-sync').click();
    await page.waitForURL(`${fx.url}/sync`);
    expect(await page.getByTestId('no-runs').textContent()).toBe('No sync has run yet.');
    // A Pro workspace (800 a month) with 100 credits granted on top.
    const ws = await fx.db.knex('workspaces').first();
    await fx.db.knex('workspaces').update({ plan: 'pro' });
    await grantCredits(fx.db.knex, { workspaceId: ws.id, credits: 100, reason: 'test' });
    await page.reload();
    expect(await page.getByTestId('credits-used').textContent()).toBe('0 of 900');
    await page.getByTestId('run-sync').click();
    await page.waitForURL(`${fx.url}/sync`);
    // The page refreshes itself while the run goes; wait for the end.
    await page.getByTestId('run-status').filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: 'test-results/sync-page.png', fullPage: true });
    const run = await fx.db.knex('sync_runs').orderBy('created_at', 'desc').first();
    expect(run.status).toBe('succeeded');
    const batches = await fx.db.knex('sync_batches').where({ run_id: run.id });
    expect(await page.locator('[data-testid^="batch-"]').count()).toBe(Math.min(50, batches.length));
    expect(await page.getByTestId('run-companies').textContent()).toContain(`${run.counts.companiesWritten} written`);
    const blank = run.counts.skipped;
    if (blank) expect(await page.getByTestId('run-skipped').textContent()).toContain(`ERR_DOMAIN_EMPTY ${blank}`);
    expect(await page.getByTestId('run-requests').textContent()).toBe(`${run.requests} (0 answered 429)`);
    // Requests against the limits, as HubSpot counts them: never above 110 in 10 s, nor 5 searches in a second.
    const general = page.getByTestId('rate-chart-general');
    expect(Number(await general.getAttribute('data-limit'))).toBe(110);
    const peak = Number(await general.getAttribute('data-peak'));
    expect(peak).toBeGreaterThan(5);
    expect(peak).toBeLessThanOrEqual(110);
    const search = page.getByTestId('rate-chart-search');
    expect(Number(await search.getAttribute('data-limit'))).toBe(5);
    expect(Number(await search.getAttribute('data-peak'))).toBeGreaterThanOrEqual(1);
    expect(Number(await search.getAttribute('data-peak'))).toBeLessThanOrEqual(5);
    expect(await page.getByTestId('rate-chart-general-limit').count()).toBe(1);
    // Credits: one per company written for the first time this month.
    expect(await page.getByTestId('credits-used').textContent()).toBe(`${run.counts.companiesWritten} of 900`);
    expect(await page.getByTestId('run-credits').textContent()).toContain(`${run.counts.companiesWritten} spent`);
    // The JSON API says the same.
    const detail = (await page.evaluate(async (id) => (await fetch(`/api/sync/runs/${id}`)).json(), run.id as string)) as { run: unknown; batches: unknown[] };
    expect(detail.run).toMatchObject({ id: run.id, status: 'succeeded', kind: 'full' });
    expect(detail.batches.length).toBe(batches.length);
    const seconds = Object.values((detail.run as { requestSeconds: Record<string, [number, number]> }).requestSeconds);
    expect(seconds.reduce((n, [g, q]) => n + g + q, 0)).toBe(run.requests);
    const credits = (await page.evaluate(async () => (await fetch('/api/credits')).json())) as { credits: { plan: string; used: number } };
    expect(credits.credits).toMatchObject({ plan: 'pro', used: run.counts.companiesWritten });
  });
});
