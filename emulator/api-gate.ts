import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { EmulatorContext } from './context';
import { errors, sendError, sendJson } from './errors';
import { RollingWindow, secondly429, tenSecondly429 } from './rate-limit';
import type { Fault, Portal, TokenRecord } from './state';

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** POSTs that only read (search, batch read) stay allowed on a paused portal. */
const READ_POSTS = [/\/search$/, /\/batch\/read$/, /\/lists\/search$/];

export function isSearch(path: string): boolean {
  return /^\/crm\/v3\/objects\/[^/]+\/search$/.test(path) || /^\/crm\/objects\/2026-03\/[^/]+\/search$/.test(path);
}

function isWrite(method: string, path: string): boolean {
  if (!WRITE_METHODS.has(method)) return false;
  return !(method === 'POST' && READ_POSTS.some((re) => re.test(path)));
}

export interface GateResult {
  auth: TokenRecord;
  portal: Portal;
}

/**
 * Everything behind a Bearer token: authentication, HubSpot's two rate limits,
 * injected faults, and the paused-portal write freeze, in that order.
 */
export function apiGate(ctx: EmulatorContext) {
  const { state } = ctx;
  const tenSecondly = new RollingWindow(() => state.settings.rateLimit.windowMs, () => state.settings.rateLimit.max);
  const secondly = new RollingWindow(() => 1000, () => state.settings.rateLimit.searchPerSecond);

  /**
   * Framework-free so the raw fast path and express share it. Returns who is calling,
   * or null after it has answered (401, 429, a fault, a paused portal).
   */
  const check = async (req: IncomingMessage, path: string, res: ServerResponse): Promise<GateResult | null> => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const tok = m ? state.tokens.get(m[1]!.trim()) : undefined;
    const now = state.clock.now();
    if (!tok || tok.kind !== 'access' || tok.revoked) return void sendError(res, errors.unauthenticated()), null;
    if ((tok.expiresAt ?? 0) <= now) return void sendError(res, errors.expired(Math.ceil((now - (tok.expiresAt ?? 0)) / 1000))), null;
    const inst = state.installation(tok.portalId, tok.appId);
    const portal = state.portals.get(tok.portalId);
    if (!inst?.installed || !portal) return void sendError(res, errors.unauthenticated()), null;
    // Scopes an admin removed after the token was issued stop working at once.
    const auth = { ...tok, scopes: tok.scopes.filter((s) => inst.scopes.includes(s)) };
    (res as ServerResponse & { portalId?: number }).portalId = portal.portalId;

    const key = `${tok.portalId}:${tok.appId}`;
    const rl = state.settings.rateLimit;
    if (isSearch(path)) {
      if (rl.enabled && secondly.take(key, now) < 0) return void sendJson(res, 429, secondly429()), null;
    } else if (rl.enabled) {
      const remaining = tenSecondly.take(key, now);
      res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', String(rl.windowMs));
      res.setHeader('X-HubSpot-RateLimit-Max', String(rl.max));
      res.setHeader('X-HubSpot-RateLimit-Remaining', String(Math.max(0, remaining)));
      if (remaining < 0) return void sendJson(res, 429, tenSecondly429()), null;
    }

    const fault = takeFault(portal.faults, req.method ?? 'GET', path);
    if (fault) {
      switch (fault.kind) {
        case 'latency':
          await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1000));
          break;
        case 'http5xx':
          return void sendError(res, errors.serverError(fault.status ?? 502)), null;
        case 'http429':
          return void sendJson(res, 429, isSearch(path) ? secondly429() : tenSecondly429()), null;
        case 'http423':
          return void sendError(res, errors.locked()), null;
        case 'drop':
          req.socket.destroy();
          return null;
      }
    }
    if (portal.paused && isWrite(req.method ?? 'GET', path)) return void sendError(res, errors.portalPaused()), null;
    return { auth, portal };
  };

  const middleware = async (req: Request, res: Response, next: NextFunction) => {
    const ok = await check(req, req.path, res);
    if (!ok) return;
    res.locals.auth = ok.auth;
    res.locals.portal = ok.portal;
    next();
  };
  return { check, middleware, reset: () => { tenSecondly.reset(); secondly.reset(); } };
}

function takeFault(faults: Fault[], method: string, path: string): Fault | undefined {
  for (let i = 0; i < faults.length; i++) {
    const f = faults[i]!;
    if (f.pathPrefix && !path.startsWith(f.pathPrefix)) continue;
    if (f.methods && !f.methods.includes(method)) continue;
    f.remaining--;
    if (f.remaining <= 0) faults.splice(i, 1);
    return f;
  }
  return undefined;
}
