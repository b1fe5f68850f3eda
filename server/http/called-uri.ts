import type { Config } from '../config';

/**
 * The URL a HubSpot request was made to, as its v3 signature covers it: PUBLIC_URL (the
 * backend's address as HubSpot knows it: the card's `permittedUrls.fetch` origin, the
 * webhooks' targetUrl) followed by the request's path and query exactly as received. Never
 * built from the Host header or X-Forwarded-*: the sender chooses those (a forged Host must
 * not change what is verified), and behind a reverse proxy they name the proxy's upstream
 * (127.0.0.1:PORT), not the URL HubSpot signed.
 *
 * `signedBase` is computed once per process: PUBLIC_URL's origin and path without a
 * trailing slash (a path prefix, `https://example.com/kustiq/`, is kept: the proxy that
 * serves Kustiq under it strips it before the request arrives here). Without PUBLIC_URL,
 * `http://localhost:PORT`, the address the backend gives itself elsewhere (and the one
 * `hs project dev` signs over with the README's `src/app/local.json`).
 */
export function signedBase(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>): string {
  const u = new URL(config.PUBLIC_URL ?? `http://localhost:${config.PORT}`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** `base` from signedBase; `pathAndQuery` is the request target as received (`req.url`, Express' `req.originalUrl`). */
export function calledUri(base: string, pathAndQuery: string): string {
  return base + pathAndQuery;
}
