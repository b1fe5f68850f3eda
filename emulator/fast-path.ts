import type { IncomingMessage, ServerResponse } from 'node:http';
import type { apiGate } from './api-gate';
import type { EmulatorContext } from './context';
import { HubSpotError, errors, sendError } from './errors';
import type { RequestLog } from './request-log';
import { batchRead, batchUpdate } from './routes/objects';
import { parseObjectType } from './state';

/**
 * Batch read and update are what every sync hammers. Express's per-request machinery
 * costs as much as the work itself, so these two bypass it (same gate, log, validation
 * and handlers as the express routes). Everything else goes through express.
 */
const BATCH = /^\/crm\/(?:v3\/objects|objects\/2026-03)\/([^/]+)\/batch\/(read|update)$/;

export function fastPath(ctx: EmulatorContext, gate: ReturnType<typeof apiGate>, log: RequestLog) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || !req.url) return false;
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const m = BATCH.exec(path);
    const type = m ? parseObjectType(m[1]!) : null;
    if (!m || !type) return false;
    const action = m[2] as 'read' | 'update';
    log.track(req, res, path, () => `POST /crm/v3/objects/:objectType/batch/${action}`);
    void (async () => {
      const ok = await gate.check(req, path, res);
      if (!ok) return;
      const scope = `crm.objects.${type}.${action === 'read' ? 'read' : 'write'}`;
      if (!ok.auth.scopes.includes(scope)) return sendError(res, errors.missingScopes([scope]));
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch (err) {
        return sendError(res, errors.validation(`Invalid input JSON on line 1: ${(err as Error).message}`));
      }
      if (action === 'read') batchRead(ok.portal, type, body, res);
      else batchUpdate(ctx.crm, ok.portal, type, body, { kind: 'INTEGRATION', appId: ok.auth.appId }, res);
    })().catch((err) => {
      if (err instanceof HubSpotError) return sendError(res, err);
      console.error('[emulator] unhandled error', err);
      if (!res.headersSent) sendError(res, errors.serverError(500));
    });
    return true;
  };
}
