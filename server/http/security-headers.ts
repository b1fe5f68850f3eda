import type { Config } from '../config';

/**
 * Security headers on every response (dashboard pages, the JSON API, the card's endpoints,
 * HubSpot's webhooks): computed once per process, set by one middleware ahead of Express'
 * routes and written with the card status read's own writeHead.
 *
 * The Content-Security-Policy allows nothing inline but style attributes: the dashboard's
 * one script and its stylesheet are static files under /assets (dashboard/assets.ts), so no
 * page carries an inline script, an event-handler attribute or a <style> element (a test
 * renders every page and checks). `style-src-attr 'unsafe-inline'` keeps the pages' layout
 * attributes (style="…"), which cannot run code or read the page. Forms post only to this
 * origin; the pages may not be framed (frame-ancestors 'none' and X-Frame-Options DENY).
 * HSTS only when PUBLIC_URL is https (a plain-http development origin must not pin itself).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(config: Pick<Config, 'PUBLIC_URL'>): Readonly<Record<string, string>> {
  const https = (config.PUBLIC_URL ?? '').startsWith('https://');
  return Object.freeze({
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    ...(https ? { 'strict-transport-security': HSTS } : {}),
  });
}
