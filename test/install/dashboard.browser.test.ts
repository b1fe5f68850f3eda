import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';

describe('dashboard in a real browser: sign in with HubSpot → connected → disconnect (signed out) → sign in and connect again', () => {
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
    // The Content-Security-Policy allows no inline script: anything it blocks fails the test.
    const blocked: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text()); });
    page.on('pageerror', (e) => blocked.push(e.message));
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

    // The stylesheet (a static file under the CSP) applies.
    expect(await page.locator('header').evaluate((h) => getComputedStyle(h).backgroundColor)).toBe('rgb(45, 62, 80)');

    // Disconnect asks first (the static script: no inline handler); dismissing it changes nothing.
    const asked: string[] = [];
    page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss(); });
    await page.getByTestId('disconnect').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/Disconnect HubSpot\?/);
    expect((await fx.db.knex('hubspot_connections').first()).status).toBe('connected');
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('disconnect').click();
    // Every session of the workspace ends with the connection: this one lands on the login page, saying why.
    await page.waitForURL(`${fx.url}/login?ended=disconnect`);
    expect(await page.getByTestId('login-notice').textContent()).toContain('HubSpot was disconnected');
    expect((await fx.db.knex('hubspot_connections').first()).status).toBe('disconnected');

    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Connected');
    expect((await fx.db.knex('hubspot_connections').first()).status).toBe('connected');

    // The troubleshooting links land on their anchors.
    await page.goto(`${fx.url}/docs/troubleshooting#missing-scope`);
    expect(await page.locator('#missing-scope').count()).toBe(1);

    await page.goto(`${fx.url}/integrations`);
    await page.getByTestId('logout').click();
    await page.waitForURL(`${fx.url}/login`);
    expect(blocked).toEqual([]);
  });
});
