import pino, { type Logger } from 'pino';

/**
 * Logs go to stderr (stdout is reserved for `--json` output). Anything that could
 * carry a credential is redacted by key, wherever it sits in the logged object, and an
 * error (`err`, `error`) is logged as what it is, never as what an upstream sent back.
 */
export const REDACTED_KEYS = [
  'access_token', 'refresh_token', 'id_token', 'accessToken', 'refreshToken', 'token', 'code',
  'client_secret', 'clientSecret', 'secret', 'password', 'authorization', 'Authorization',
  'cookie', 'set-cookie', 'key', 'keys', 'hapikey', 'api_key', 'apiKey', 'webhookSecret',
  'x-hubspot-signature', 'x-hubspot-signature-v3', 'x-kustiq-signature',
];

/**
 * What is logged about an error: its type, our message, the HTTP status, HubSpot's
 * category and correlation id, our error code and the stack's frames. Never the response
 * body, the response or the headers an upstream (HubSpot, its OAuth endpoints, a webhook
 * receiver) sent: HubSpot echoes what it was sent, a token included, and
 * @hubspot/api-client writes the whole body and headers into `message`
 * ("HTTP-Code: …\nMessage: …\nBody: …\nHeaders: …"), so the message is cut there and
 * anything shaped like a credential in what is left is replaced.
 */
export interface SafeError {
  type?: string;
  message: string;
  status?: number;
  category?: string;
  correlationId?: string;
  /** Our code (ERR_…), Node's (ECONNRESET) or Postgres' (57P01); not `code`, a key redacted everywhere (OAuth codes). */
  errorCode?: string;
  stack?: string;
  cause?: SafeError;
}

const API_EXCEPTION = /^HTTP-Code: (\d+)\r?\nMessage: ([^\n]*)\r?\nBody: ([\s\S]*?)(?:\r?\nHeaders: [\s\S]*)?$/;
const SECRET_NAMES = 'access_token|refresh_token|id_token|token|code|client_secret|clientSecret|secret|password|hapikey|api_key|apiKey|key';

/** Replaces what looks like a credential in a message: bearer tokens, name=value and "name":"value" secrets, opaque blobs. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[^\s,;"']+/gi, '$1 [redacted]')
    .replace(new RegExp(`\\b(${SECRET_NAMES})=([^&\\s"',;]+)`, 'gi'), '$1=[redacted]')
    // JSON-ish: "access_token": "…" (or unquoted value), and name: "…" with a quoted value.
    .replace(new RegExp(`(["'])(${SECRET_NAMES})\\1(\\s*:\\s*)("[^"]*"|'[^']*'|[^\\s,;}]+)`, 'gi'), (_m, q, name, sep, value: string) => `${q}${name}${q}${sep}${/^["']/.test(value) ? `${value[0]}[redacted]${value[0]}` : '[redacted]'}`)
    .replace(new RegExp(`\\b(${SECRET_NAMES})(\\s*:\\s*)("[^"]*"|'[^']*')`, 'gi'), (_m, name, sep, value: string) => `${name}${sep}${value[0]}[redacted]${value[0]}`)
    // HubSpot refresh tokens (`na1-…`, `eu1-…`) and any opaque run of 32+ token characters
    // with a digit or mixed case (access tokens, secrets, codes, UUIDs); words and
    // UPPER_SNAKE codes stay readable.
    .replace(/\b[a-z]{2,4}\d-[0-9a-f-]{16,}/gi, '[redacted]')
    .replace(/[A-Za-z0-9_\-+=]{32,}/g, (m) => (/\d/.test(m) || (/[a-z]/.test(m) && /[A-Z]/.test(m)) ? '[redacted]' : m));
}

function parseBody(body: unknown): Record<string, unknown> {
  if (typeof body === 'string') {
    try {
      const v = JSON.parse(body);
      return v && typeof v === 'object' ? v : {};
    } catch {
      return {};
    }
  }
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => string | null } & Record<string, unknown>;
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return Array.isArray(v) ? String(v[0]) : String(v);
  return undefined;
}

const shortText = (v: unknown, max = 100): string | undefined => (typeof v === 'string' && v ? scrubSecrets(v).slice(0, max) : undefined);

export function serializeError(err: unknown, depth = 0): SafeError {
  if (err === null || err === undefined || typeof err !== 'object') return { message: scrubSecrets(String(err)) };
  const e = err as Record<string, unknown> & { response?: { status?: number; statusCode?: number; headers?: unknown; data?: unknown; body?: unknown } };
  let message = typeof e.message === 'string' ? e.message : '';
  let body = parseBody(e.body ?? e.responseBody ?? e.response?.data ?? e.response?.body);
  let status = [e.status, e.statusCode, typeof e.code === 'number' ? e.code : undefined, e.response?.status, e.response?.statusCode]
    .find((s): s is number => typeof s === 'number' && Number.isInteger(s));
  const api = API_EXCEPTION.exec(message);
  if (api) {
    // @hubspot/api-client's ApiException: only the status and the client's own text are ours.
    status ??= Number(api[1]);
    if (!Object.keys(body).length) body = parseBody(api[3]);
    message = `HubSpot answered ${api[1]}: ${api[2]}`;
  } else {
    message = message.split(/\r?\n(?:Body|Headers|HTTP-Headers|Response(?: body)?):/i)[0]!;
  }
  const out: SafeError = { message: scrubSecrets(message) };
  if (err instanceof Error && err.name && err.name !== 'Error') out.type = err.name;
  else if (typeof e.name === 'string' && e.name !== 'Error') out.type = shortText(e.name, 60);
  if (status !== undefined) out.status = status;
  // HubSpot's category; an OAuth error's `error` (invalid_grant, …) is the nearest thing.
  const category = shortText(body.category ?? e.category ?? (typeof e.error === 'string' ? e.error : undefined) ?? body.error, 60);
  if (category) out.category = category;
  const correlation = [body.correlationId, e.correlationId, header(e.headers, 'x-hubspot-correlation-id'), header(e.response?.headers, 'x-hubspot-correlation-id')]
    .find((v): v is string => typeof v === 'string' && v !== '');
  // A correlation id is a UUID, shown as such; anything else HubSpot put there is scrubbed.
  if (correlation) out.correlationId = /^[0-9a-f-]{8,64}$/i.test(correlation) ? correlation : shortText(correlation, 64);
  // Our codes (ERR_…), Node's (ECONNRESET) and Postgres' (57P01) only.
  if (typeof e.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(e.code)) out.errorCode = e.code;
  if (typeof e.stack === 'string') {
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${out.type ?? 'Error'}: ${out.message}`, ...frames].join('\n');
  }
  if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  return pino(
    {
      level,
      redact: { paths, censor: '[redacted]' },
      base: undefined,
      serializers: { err: (e: unknown) => serializeError(e), error: (e: unknown) => serializeError(e) },
      // A message built from upstream text (`log.warn({...}, detail)`) gets the same scrub as an error's.
      hooks: {
        logMethod(args, method) {
          return method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination(2),
  );
}

export type { Logger };
