import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';

describe('dashboard in a real browser: sign in with HubSpot → connected → disconnect → connect', () => {
  const fx = useBackend({ portalId: 24_700_001 });
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('walks the whole Integrations flow against the local HubSpot', async () => {
    const page = await browser.newPage();
    await page.goto(`${fx.url}/`);
    await expect.poll(() => page.url()).toBe(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Connected');
    expect(await page.getByTestId('portal-id').textContent()).toContain(String(fx.emu.portalId));
    expect(await page.getByTestId('scopes').textContent()).toContain('crm.objects.companies.write');
    expect(await page.getByTestId('region').textContent()).toContain('na1');
    expect(await page.getByTestId('last-sync').textContent()).toBe('Not synced yet');
    fs.mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/integrations-connected.png', fullPage: true });

    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('disconnect').click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Not connected');
    expect((await fx.db.knex('hubspot_connections').first()).status).toBe('disconnected');

    await page.getByTestId('connect').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Connected');
    expect((await fx.db.knex('hubspot_connections').first()).status).toBe('connected');

    // The troubleshooting links land on their anchors.
    await page.goto(`${fx.url}/docs/troubleshooting#missing-scope`);
    expect(await page.locator('#missing-scope').count()).toBe(1);

    await page.goto(`${fx.url}/integrations`);
    await page.getByTestId('logout').click();
    await page.waitForURL(`${fx.url}/login`);
  });
});
