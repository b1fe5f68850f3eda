import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** HubSpot's error body (OpenAPI `Error`): status, message, correlationId, category, ... */
export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  errors?: { message: string; code?: string; in?: string; subCategory?: string; context?: Record<string, string[]> }[];
  context?: Record<string, string[]>;
  links?: Record<string, string>;
}

export class HubSpotError extends Error {
  constructor(
    public readonly status: number,
    public readonly body: Omit<HubSpotErrorBody, 'status' | 'correlationId'> & Record<string, unknown>,
  ) {
    super(body.message);
  }
}

/** Plain node response writing, so both express routes and the raw fast path use it. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HubSpotError): void {
  sendJson(res, err.status, { status: 'error', ...err.body, correlationId: randomUUID() });
}

export const errors = {
  validation: (message: string, extra: Partial<HubSpotErrorBody> = {}) =>
    new HubSpotError(400, { message, category: 'VALIDATION_ERROR', ...extra }),
  conflict: (message: string, category = 'OBJECT_ALREADY_EXISTS') => new HubSpotError(409, { message, category }),
  notFound: (message = 'resource not found') => new HubSpotError(404, { message, category: 'OBJECT_NOT_FOUND' }),
  unauthenticated: () =>
    new HubSpotError(401, {
      message:
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      category: 'INVALID_AUTHENTICATION',
    }),
  expired: (secondsAgo: number) =>
    new HubSpotError(401, {
      message: `The OAuth token used to make this call expired ${secondsAgo} second(s) ago.`,
      category: 'EXPIRED_AUTHENTICATION',
    }),
  missingScopes: (required: string[]) =>
    new HubSpotError(403, {
      message:
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      category: 'MISSING_SCOPES',
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: required } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    }),
  locked: () =>
    new HubSpotError(423, {
      message: 'The resource is locked by another operation. Retry after at least 2 seconds.',
      category: 'LOCKED',
    }),
  serverError: (status = 500) =>
    new HubSpotError(status, {
      message: status === 502 || status === 504 ? 'Bad gateway' : 'internal error',
      category: 'INTERNAL_ERROR',
    }),
  portalPaused: () =>
    new HubSpotError(403, {
      message: 'This account is paused: its trial has expired and write access is frozen until it is reactivated.',
      category: 'FORBIDDEN',
      subCategory: 'PortalWriteLockError.PORTAL_WRITE_LOCKED',
    }),
};
