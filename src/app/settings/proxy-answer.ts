/**
 * How the card and the settings page read what hubspot.fetch gave back. Kept free of
 * imports: src/app/settings/proxy-answer.ts is an identical copy (each extension is built
 * on its own), and test/card/card.test.tsx fails when the two differ.
 */

/**
 * A failed call: the backend's code (ERR_OAUTH_REVOKED…) when it gave one, and the HTTP
 * status it answered with (null when it was never reached).
 */
export class BackendError extends Error {
  constructor(message: string, readonly code: string | null = null, readonly status: number | null = null) {
    super(message);
  }
}

/**
 * A backend answer as the card reads it, whatever HubSpot's proxy made of it. HubSpot's
 * proxy for hubspot.fetch (production, and `hs project dev`'s AppProxyService, which says
 * it mirrors production) passes a 2xx on, but turns any 3xx–5xx from the backend into its
 * own error envelope, with an HTTP status of its own (502-ish in production, 200 from the
 * dev proxy):
 *
 *   {status: "error", category: "BAD_GATEWAY", message, errors: [...],
 *    context: {appServerStatusCode: ["409"], portalId: [...], ...},
 *    responseBody: <the backend's body, e.g. {error: {code: "ERR_OAUTH_REVOKED", message}}>}
 *
 * and a success may arrive wrapped too ({status: "success", responseBody, context}). So
 * neither `res.ok` nor the raw body is trusted: the backend's own body is taken out of the
 * envelope when there is one, and its status from `appServerStatusCode`. An envelope
 * without a `responseBody` is the proxy's own failure (timeout, network): no code. The
 * backend's bodies never have a top-level `status` of "success" or "error" (a record's
 * status is enriched, waiting…), so an envelope is never mistaken for an answer.
 */
export type Answer<T> = { ok: true; body: T } | { ok: false; error: BackendError };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function isEnvelope(b: unknown): b is Json & { status: 'success' | 'error' } {
  return isObject(b) && (b.status === 'success' || b.status === 'error') && ('responseBody' in b || 'context' in b || 'category' in b);
}

/** The backend's body: the proxy may hand it on as text when it was not JSON to it. */
function inner(responseBody: unknown): unknown {
  if (typeof responseBody !== 'string') return responseBody;
  try {
    return JSON.parse(responseBody) as unknown;
  } catch {
    return responseBody;
  }
}

function backendError(status: number | null, body: unknown, fallback: string): BackendError {
  const error = isObject(body) && isObject(body.error) ? body.error : null;
  const message = typeof error?.message === 'string' ? error.message : fallback;
  return new BackendError(message, typeof error?.code === 'string' ? error.code : null, status);
}

export function readAnswer<T>(httpStatus: number, body: unknown): Answer<T> {
  if (!isEnvelope(body)) {
    if (httpStatus >= 200 && httpStatus < 300) return { ok: true, body: body as T };
    return { ok: false, error: backendError(httpStatus, body, `Kustiq answered ${httpStatus}`) };
  }
  const context = isObject(body.context) ? body.context : {};
  const codes = Array.isArray(context.appServerStatusCode) ? context.appServerStatusCode : [context.appServerStatusCode];
  const appStatus = Number(codes[0]) || null;
  if (body.status === 'success' && (appStatus === null || appStatus < 300)) return { ok: true, body: inner(body.responseBody) as T };
  if (body.responseBody === undefined || body.responseBody === null || body.responseBody === '') {
    // The proxy's own failure: the backend's answer never came.
    return { ok: false, error: new BackendError(typeof body.message === 'string' ? body.message : 'Kustiq could not be reached', null, null) };
  }
  return { ok: false, error: backendError(appStatus, inner(body.responseBody), `Kustiq answered ${appStatus ?? httpStatus}`) };
}
