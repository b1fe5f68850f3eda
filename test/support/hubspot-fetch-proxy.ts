import { randomUUID } from 'node:crypto';

/**
 * hubspot.fetch as a card sees it through HubSpot's proxy, for tests that replace
 * hubspot.fetch. Modelled on `hs project dev`'s proxy
 * (@hubspot/ui-extensions-dev-server/dist/lib/proxy/AppProxyService.js, which says it
 * mirrors the production proxy; platform.md §2 and §9):
 *
 * - any request header other than a single `Authorization` is refused with 400
 *   VALIDATION_ERROR, before the backend is called;
 * - a 2xx from the backend reaches the card as the backend's body (or wrapped as
 *   `{status:"success", responseBody, context}` with `wrapSuccess`);
 * - a 3xx–5xx never reaches the card as such: it becomes the proxy's error envelope
 *   `{status:"error", category:"BAD_GATEWAY", message, context:{appServerStatusCode:["409"], …},
 *   responseBody:<the backend's body>, errors:[…]}`, with the proxy's own HTTP status
 *   (`errorStatus`: 502 by default, as production's "bad gateway"; the dev proxy sends 200);
 * - the backend never reached (the app function throws) rejects, as hubspot.fetch does when
 *   HubSpot cannot connect.
 *
 * A card that reads only the raw body, or trusts `res.ok`, fails against it.
 */
export interface ProxyOptions {
  /** The HTTP status the error envelope arrives with: 502 by default; `hs project dev` answers it 200. */
  errorStatus?: number;
  /** A 2xx arrives wrapped, as the dev proxy sends it, rather than as the backend's body. */
  wrapSuccess?: boolean;
  /** The portal in the envelope's context. */
  portalId?: number;
}

export interface FetchInit { method?: string; body?: unknown; headers?: Record<string, string>; timeout?: number }

/** The backend's side: what it answered to the request HubSpot made (signed, portal appended, or a stub). */
export type AppFetch = (url: string, init?: FetchInit) => Promise<Response>;

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json;charset=utf-8' } });

export function throughHubSpotProxy(app: AppFetch, opts: ProxyOptions = {}): (input: string | URL, init?: FetchInit) => Promise<Response> {
  return async (input, init) => {
    const requestUri = String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const context = { correlationId: [randomUUID()], httpMethod: [method], portalId: [String(opts.portalId ?? 123)], requestUri: [requestUri] };
    const headers = Object.keys(init?.headers ?? {});
    if (headers.length > 1 || headers.some((h) => h.toLowerCase() !== 'authorization')) {
      return json(400, { category: 'VALIDATION_ERROR', status: 'error', message: "Invalid Request Headers provided. Only 'Authorization' header is allowed from hubspot.fetch()", context });
    }
    const res = await app(requestUri, init);
    const text = await res.text();
    // As axios hands it to the proxy: JSON parsed, anything else as text.
    let responseBody: unknown = text;
    try { responseBody = text === '' ? '' : JSON.parse(text); } catch { /* text */ }
    const withStatus = { ...context, appServerStatusCode: [String(res.status)] };
    if (res.status >= 300 && res.status <= 599) {
      return json(opts.errorStatus ?? 502, {
        status: 'error', context: withStatus, message: 'Error returned from Request Uri', responseBody,
        errors: [{ message: `Unacceptable HTTP status ${res.status} calling ${requestUri}` }], category: 'BAD_GATEWAY',
      });
    }
    if (opts.wrapSuccess && text !== '') return json(res.status, { status: 'success', responseBody, context: withStatus });
    return new Response(text === '' ? null : text, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
  };
}

/** The proxy's own failure (it timed out, or could not connect): an envelope with no backend answer in it. */
export function proxyFailure(opts: { errorStatus?: number; category?: string; message?: string } = {}): Response {
  return json(opts.errorStatus ?? 504, {
    status: 'error', category: opts.category ?? 'GATEWAY_TIMEOUT', message: opts.message ?? 'Gateway took too long to respond',
    context: { correlationId: [randomUUID()], httpMethod: ['GET'], portalId: ['123'], requestUri: ['https://app.kustiq.com/card/v1/record'] },
  });
}
