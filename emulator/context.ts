import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CrmService } from './crm';
import { HubSpotError, errors, sendError } from './errors';
import type { EmulatorState, Portal, TokenRecord } from './state';
import type { WebhookDispatcher } from './webhooks';

export interface EmulatorContext {
  state: EmulatorState;
  crm: CrmService;
  webhooks: WebhookDispatcher;
}

export interface AuthedLocals {
  auth: TokenRecord;
  portal: Portal;
}

export function authed(res: Response): AuthedLocals {
  return res.locals as AuthedLocals;
}

/** Wraps a handler so a thrown HubSpotError becomes HubSpot's error response. */
export function handle(fn: (req: Request, res: Response) => unknown | Promise<unknown>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof HubSpotError) sendError(res, err);
      else next(err);
    }
  };
}

/** Scope check: the token must hold at least one scope of each listed alternative set. */
export function requireScopes(...anyOf: string[]): RequestHandler {
  return (_req, res, next) => {
    const { auth } = authed(res);
    if (anyOf.some((s) => auth.scopes.includes(s))) return next();
    sendError(res, errors.missingScopes(anyOf));
  };
}
