/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';

/**
 * Every dashboard page in a real browser under the Content-Security-Policy: nothing on
 * them is blocked (a violation fails the test), the stylesheet applies, and the policy is
 * enforced (an inline script added to a page does not run).
 */
describe('the dashboard under its Content-Security-Policy, in Chromium', () => {
  const fx = useBackend({ portalId: 25_800_001, companies: 3 });
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  /** Violations the page reports (securitypolicyviolation events and the console's "Refused to …"). */
  const watch = async (page: Page) => {
    const seen: string[] = [];
    await page.exposeFunction('__cspViolation', (v: string) => void seen.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
    });
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text()); });
    return seen;
  };

  it('no page has anything blocked, and styles apply', async () => {
    const page = await browser.newPage();
    const seen = await watch(page);
    await page.goto(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    for (const path of ['/integrations', '/review', '/sync', '/sync/scope', '/icp', '/webhooks', '/docs/troubleshooting', '/login?ended=check']) {
      const res = await page.goto(`${fx.url}${path}`);
      expect(res!.status(), path).toBe(200);
      expect(res!.headers()['content-security-policy'], path).toContain("script-src 'self'");
      await page.waitForLoadState('load');
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(['rgb(245, 248, 250)', 'rgb(255, 255, 255)'], `${path}: stylesheet applied`).toContain(bg);
    }
    expect(seen).toEqual([]);
    await page.close();
  });

  it('the policy is enforced: an inline script added to a page is blocked and reported (control)', async () => {
    const page = await browser.newPage();
    const seen = await watch(page);
    await page.goto(`${fx.url}/login`);
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => seen.length).toBeGreaterThan(0);
    await page.close();
  });
});
