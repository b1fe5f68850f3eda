import type { Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';
import { loadSampleGraph } from '../support/graph';

/** The Sync page in a real browser: start a full sync, watch its batches, see skipped reasons by code. */
describe('the Sync page', () => {
  const fx = useBackend({ companies: 600, contacts: 200 }, {}, { worker: true, emulatorProcess: true });
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
    // The JSON API says the same.
    const detail = (await page.evaluate(async (id) => (await fetch(`/api/sync/runs/${id}`)).json(), run.id as string)) as { run: unknown; batches: unknown[] };
    expect(detail.run).toMatchObject({ id: run.id, status: 'succeeded', kind: 'full' });
    expect(detail.batches.length).toBe(batches.length);
  });
});
