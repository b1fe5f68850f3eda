import { createHmac } from 'node:crypto';
import type { Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';
import { SeedReceiver } from '../support/receiver';

/** The Webhooks page in a real browser: endpoint, secret shown once, test event, the log, the signature helper, redeliver, rotate. */
describe('the Webhooks page', () => {
  const fx = useBackend({ companies: 5, contacts: 0 }, { KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' }, { worker: true });
  let chromium: Chromium;
  let receiver: SeedReceiver;
  beforeAll(async () => { chromium = await launchChromium(); });
  afterAll(async () => { await chromium?.close(); await receiver?.stop(); });

  it('takes an admin from an endpoint to a verified delivery', async () => {
    receiver = await SeedReceiver.start('not-yet');
    const page = await chromium.newPage();
    await page.goto(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await page.getByTestId('nav-webhooks').click();
    await page.waitForURL(`${fx.url}/webhooks`);
    // Not http(s): refused, the field named (the browser's own URL check is bypassed to reach the server's).
    await page.getByTestId('endpoint-url').evaluate((el) => { (el as unknown as { type: string }).type = 'text'; });
    await page.getByTestId('endpoint-url').fill('ftp://example.com/hook');
    await page.getByTestId('add-endpoint').click();
    expect(await page.getByTestId('webhooks-error').textContent()).toContain('url: must be http or https');
    // The first endpoint makes the secret, shown this once.
    await page.getByTestId('endpoint-url').fill(receiver.url);
    await page.getByTestId('add-endpoint').click();
    const secret = (await page.getByTestId('secret-revealed').textContent())!.trim();
    expect(secret).toMatch(/^kqwh_/);
    await receiver.restart(secret);
    await page.goto(`${fx.url}/webhooks`);
    expect(await page.getByTestId('secret-revealed').count()).toBe(0);
    expect(await page.getByTestId('secret-hint').textContent()).toBe(`${secret.slice(0, 5)}…${secret.slice(-4)}`);
    expect(await page.content()).not.toContain(secret);
    // Send a test event; the log shows it delivered.
    await page.getByTestId('send-test').click();
    expect(await page.getByTestId('webhooks-notice').textContent()).toContain('queued for 1 endpoint');
    for (let i = 0; i < 50 && (await page.locator('[data-testid="delivery-row"][data-status="delivered"]').count()) === 0; i++) {
      await page.waitForTimeout(200);
      await page.goto(`${fx.url}/webhooks`);
    }
    const row = page.locator('[data-testid="delivery-row"][data-status="delivered"]').first();
    expect(await row.textContent()).toContain('test');
    expect((await receiver.log()).filter((l) => l.ok)).toHaveLength(1);
    // The signature helper shows the exact bytes and the header: they verify with the secret.
    await row.getByRole('link').click();
    await page.getByTestId('signature-helper').waitFor();
    const bytes = (await page.getByTestId('signed-bytes').textContent())!;
    const header = (await page.getByTestId('signature-header').textContent())!;
    expect(header).toBe(`X-Kustiq-Signature: ${createHmac('sha256', secret).update(bytes).digest('hex')}`);
    expect(await page.getByTestId('problem-ERR_WEBHOOK_SIGNATURE').count()).toBe(1);
    await page.screenshot({ path: 'test-results/webhook-delivery.png', fullPage: true });
    // Redeliver: the same event again.
    await page.goto(`${fx.url}/webhooks`);
    await page.getByTestId('redeliver').first().click();
    expect(await page.getByTestId('webhooks-notice').textContent()).toContain('Redelivery queued');
    for (let i = 0; i < 50 && (await receiver.log()).length < 2; i++) await page.waitForTimeout(100);
    const log = await receiver.log();
    expect(log).toHaveLength(2);
    expect(log[1]!.id).toBe(log[0]!.id);
    // Rotate: a new secret, shown once, and the old one kept for the grace period.
    await page.getByTestId('rotate-secret').click();
    const rotated = (await page.getByTestId('secret-revealed').textContent())!.trim();
    expect(rotated).not.toBe(secret);
    expect(await page.getByTestId('secret-card').textContent()).toContain('previous secret keeps working until');
    await page.screenshot({ path: 'test-results/webhooks-page.png', fullPage: true });
  });
});
