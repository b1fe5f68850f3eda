import type { NextFunction, Request, Response } from 'express';
import type { EmulatorContext } from './context';
import { errors, sendError } from './errors';
import { RollingWindow, secondly429, tenSecondly429 } from './rate-limit';
import type { Fault } from './state';

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** POSTs that only read (search, batch read) stay allowed on a paused portal. */
const READ_POSTS = [/\/search$/, /\/batch\/read$/, /\/lists\/search$/];

export function isSearch(path: string): boolean {
  return /^\/crm\/v3\/objects\/[^/]+\/search$/.test(path) || /^\/crm\/objects\/2026-03\/[^/]+\/search$/.test(path);
}

function isWrite(req: Request): boolean {
  if (!WRITE_METHODS.has(req.method)) return false;
  return !(req.method === 'POST' && READ_POSTS.some((re) => re.test(req.path)));
}

/**
 * Everything behind a Bearer token: authentication, HubSpot's two rate limits,
 * injected faults, and the paused-portal write freeze, in that order.
 */
export function apiGate(ctx: EmulatorContext) {
  const { state } = ctx;
  const tenSecondly = new RollingWindow(() => state.settings.rateLimit.windowMs, () => state.settings.rateLimit.max);
  const secondly = new RollingWindow(() => 1000, () => state.settings.rateLimit.searchPerSecond);

  const middleware = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const tok = m ? state.tokens.get(m[1]!.trim()) : undefined;
    const now = state.clock.now();
    if (!tok || tok.kind !== 'access' || tok.revoked) return sendError(res, errors.unauthenticated());
    if ((tok.expiresAt ?? 0) <= now) return sendError(res, errors.expired(Math.ceil((now - (tok.expiresAt ?? 0)) / 1000)));
    const inst = state.installation(tok.portalId, tok.appId);
    if (!inst?.installed) return sendError(res, errors.unauthenticated());
    const portal = state.portals.get(tok.portalId);
    if (!portal) return sendError(res, errors.unauthenticated());
    // Scopes an admin removed after the token was issued stop working at once.
    const auth = { ...tok, scopes: tok.scopes.filter((s) => inst.scopes.includes(s)) };
    res.locals.auth = auth;
    res.locals.portal = portal;
    res.locals.portalId = portal.portalId;

    const key = `${tok.portalId}:${tok.appId}`;
    const rl = state.settings.rateLimit;
    if (isSearch(req.path)) {
      if (rl.enabled && secondly.take(key, now) < 0) return res.status(429).json(secondly429());
    } else if (rl.enabled) {
      const remaining = tenSecondly.take(key, now);
      res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', String(rl.windowMs));
      res.setHeader('X-HubSpot-RateLimit-Max', String(rl.max));
      res.setHeader('X-HubSpot-RateLimit-Remaining', String(Math.max(0, remaining)));
      if (remaining < 0) return res.status(429).json(tenSecondly429());
    }

    const fault = takeFault(portal.faults, req);
    if (fault) {
      switch (fault.kind) {
        case 'latency':
          await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1000));
          break;
        case 'http5xx':
          return sendError(res, errors.serverError(fault.status ?? 502));
        case 'http429':
          return res.status(429).json(isSearch(req.path) ? secondly429() : tenSecondly429());
        case 'http423':
          return sendError(res, errors.locked());
        case 'drop':
          req.socket.destroy();
          return;
      }
    }
    if (portal.paused && isWrite(req)) return sendError(res, errors.portalPaused());
    next();
  };
  return { middleware, reset: () => { tenSecondly.reset(); secondly.reset(); } };
}

function takeFault(faults: Fault[], req: Request): Fault | undefined {
  for (let i = 0; i < faults.length; i++) {
    const f = faults[i]!;
    if (f.pathPrefix && !req.path.startsWith(f.pathPrefix)) continue;
    if (f.methods && !f.methods.includes(req.method)) continue;
    f.remaining--;
    if (f.remaining <= 0) faults.splice(i, 1);
    return f;
  }
  return undefined;
}
