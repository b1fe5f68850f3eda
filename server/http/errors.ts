import { z } from 'zod';
import { isConnectionError } from '../db/connection-errors';
import { FieldError, zodProblems } from '../errors/field-error';

/**
 * What a failed request answers, for the Express app's error handler and the card status
 * read alike. Nothing internal is ever echoed (a message may hold upstream text).
 *
 * - The database unreachable (refused, terminated, restarting: db/connection-errors.ts):
 *   503 with Retry-After, logged at warn. knex's pool makes new connections by itself, so
 *   the next request after the database is back succeeds.
 * - The client's fault: input a route refused by throwing (FieldError, a zod error: 400
 *   naming the field), or found before a route ran: a body that is not JSON (400, naming
 *   `(body)`), too large (413), in an unsupported encoding (415), a value Postgres could not
 *   read as its column's type (an id in the path: 404 naming it; elsewhere: 400). Logged at
 *   info: nothing is wrong on our side.
 * - Anything else: 500, logged at error.
 */
export const RETRY_AFTER_SECONDS = 5;

export interface FieldProblem { field: string; problem: string }

export interface ErrorAnswer {
  status: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: FieldProblem[];
  retryAfter?: number;
}

export const UNAVAILABLE_MESSAGE = 'Kustiq cannot reach its database for a moment. Try again in a few seconds.';
export const INTERNAL_MESSAGE = 'Something went wrong on our side. It was logged; try again shortly.';

interface HttpishError { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; limit?: unknown; code?: unknown; message?: unknown }

/** `requestPath`: the path as received (to tell an id in the path from a value in the body). */
export function answerFor(err: unknown, requestPath: string): ErrorAnswer {
  if (isConnectionError(err)) return { status: 503, level: 'warn', message: UNAVAILABLE_MESSAGE, retryAfter: RETRY_AFTER_SECONDS };
  // Bad input a route let through unhandled: named as the routes name it.
  if (err instanceof FieldError) return { status: 400, level: 'info', message: err.message, fields: [{ field: err.field, problem: err.message }] };
  if (err instanceof z.ZodError) {
    const fields = zodProblems(err, '(body)');
    return { status: 400, level: 'info', message: `Invalid ${fields.map((f) => f.field).join(', ')}`, fields };
  }
  const e = (err ?? {}) as HttpishError;
  // body-parser's errors (express.json / express.urlencoded / express.raw).
  switch (e.type) {
    case 'entity.parse.failed':
      return { status: 400, level: 'info', message: 'body is not valid JSON', fields: [{ field: '(body)', problem: 'is not valid JSON' }] };
    case 'entity.too.large': {
      const limit = typeof e.limit === 'number' ? e.limit : null;
      return { status: 413, level: 'info', message: `body is too large${limit ? ` (the limit here is ${limit} bytes)` : ''}`, fields: [{ field: '(body)', problem: limit ? `is larger than ${limit} bytes` : 'is too large' }] };
    }
    case 'parameters.too.many':
      return { status: 413, level: 'info', message: 'body has too many fields', fields: [{ field: '(body)', problem: 'has too many fields' }] };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, level: 'info', message: 'body is in an encoding or charset this endpoint does not take', fields: [{ field: '(body)', problem: 'unsupported encoding or charset' }] };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, level: 'info', message: 'body was cut short or its length is wrong', fields: [{ field: '(body)', problem: 'incomplete' }] };
  }
  // Postgres could not read a value as its column's type (invalid_text_representation): a route took input unchecked.
  if (e.code === '22P02' && typeof e.message === 'string') {
    const value = /invalid input syntax for type (\w+): "([^"]*)"/.exec(e.message);
    const inPath = value && value[2] !== '' && requestPath.split('/').includes(encodeURIComponent(value[2]!));
    if (inPath) return { status: 404, level: 'info', message: 'Not found: an id in the path is not valid', fields: [{ field: 'id', problem: `is not a valid ${value![1] === 'uuid' ? 'id' : value![1]}` }] };
    return { status: 400, level: 'info', message: 'A value in the request is not in the form expected', fields: [{ field: '(body)', problem: 'holds a value of the wrong form' }] };
  }
  // Other client errors that say so (http-errors with expose).
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500 && e.expose === true) return { status, level: 'info', message: typeof e.message === 'string' ? e.message : 'Bad request' };
  return { status: 500, level: 'error', message: INTERNAL_MESSAGE };
}

/** JSON for the API, the card's endpoints, HubSpot's webhooks and health; a page for the dashboard. */
export function wantsJson(path: string, accept: string | undefined): boolean {
  if (path.startsWith('/api/') || path.startsWith('/card/') || path.startsWith('/hubspot/') || path === '/healthz') return true;
  return !!accept && !accept.includes('text/html') && accept.includes('json');
}

export function jsonBody(a: ErrorAnswer): { error: { message: string; fields?: FieldProblem[] } } {
  return { error: { message: a.message, ...(a.fields ? { fields: a.fields } : {}) } };
}
