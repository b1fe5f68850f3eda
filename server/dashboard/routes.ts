import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Request, type Response } from 'express';
import { marked } from 'marked';
import { z } from 'zod';
import { KustiqError } from '../errors/codes';
import { FieldError, zodProblems } from '../errors/field-error';
import { connectionView, disconnect } from '../install/connection';
import { CallbackError, completeAuthorization, INSTALL_RATE_LIMIT, SESSION_TTL_MS, startAuthorization, STATE_TTL_MS } from '../install/oauth-flow';
import { clientKey, RateLimiter } from '../http/rate-limit';
import { sha256 } from '../install/secrets';
import type { InstallServices } from '../install/services';
import { Cookies, currentSession, OAUTH_COOKIE, SESSION_COOKIE, sessionMiddleware } from './session';
import { errorPage, integrationsPage, loginPage, reviewPage } from './pages';
import { bulkConfirm, BulkConfirm, decide, Decision, ReviewError, reviewRows } from '../review/review';
import { matchPortal } from '../matching/match-portal';
import { IcpDefinition, icpProblems, TIERS } from '../icp/icp-definition';
import { loadIcp, profilesForDomains, saveIcp } from '../icp/icp-store';
import { deriveTier } from '../icp/lookalike';
import { listDomains } from '../icp/list-domains';
import { queueRescore } from '../worker/icp-jobs';
import { queueRecordSync, recordSyncView } from '../worker/record-jobs';
import { formProblems, formToIcp, icpPage, type IcpPageState } from './icp-page';
import { syncPage, syncScopePage, type PropertyProblem } from './sync-page';
import { registerWebhookRoutes } from './webhook-routes';
import { CSS_PATH, registerAssets } from './assets';
import { companyLists, LIST_SCOPE, setSyncList } from '../sync/list-scope';
import { HubSpotPort } from '../hubspot/port';
import { recentRuns, runDetail } from '../sync/run-views';
import { hubspotLimits } from '../hubspot/rate-budget';
import { creditStatus, waitingForCredits } from '../credits/credit-ledger';
import { startSync } from '../worker/sync-jobs';

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');

/** Bad input gets a 4xx naming the field. */
function badRequest(res: Response, issues: z.ZodError) {
  const fields = zodProblems(issues);
  res.status(400).json({ error: { message: `Invalid ${fields.map((f) => f.field).join(', ')}`, fields } });
}

/** What the login page says after a session ended (`/login?ended=…`). */
const LOGIN_NOTICES: Record<string, string> = {
  disconnect: 'HubSpot was disconnected from this workspace, and everyone signed in to it was signed out. Sign in with HubSpot to connect it again.',
  check: 'Your session ended: this workspace is no longer connected to the HubSpot portal you signed in through. Sign in with HubSpot again.',
};

/** An id in the path that is not one (a UUID): nothing by that id exists, so 404 naming the field. */
function noSuchId(res: Response, what: string, field = 'id') {
  res.status(404).json({ error: { message: `No such ${what}`, fields: [{ field, problem: `is not a ${what} id` }] } });
}

export function dashboardRoutes(s: InstallServices): Router {
  const r = Router();
  const secure = (s.config.PUBLIC_URL ?? '').startsWith('https://');
  if (!s.config.KUSTIQ_SESSION_SECRET) throw new Error('KUSTIQ_SESSION_SECRET is required for the dashboard');
  const cookies = new Cookies(s.config.KUSTIQ_SESSION_SECRET, secure);
  registerAssets(r);
  r.use(sessionMiddleware(s.knex, cookies));
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  const requireSession = (req: Request, res: Response) => {
    const sess = currentSession(res);
    if (!sess) {
      // A session that ended on this request (its daily check failed) says why on the login page.
      const ended = res.locals.sessionEnded as string | undefined;
      if (req.path.startsWith('/api/')) res.status(401).json({ error: { message: ended ? LOGIN_NOTICES[ended] : 'Sign in first' } });
      else res.redirect(ended ? 303 : 302, ended ? `/login?ended=${ended}` : '/login');
    }
    return sess;
  };
  const checkCsrf = (req: Request, res: Response): boolean => {
    const sess = currentSession(res)!;
    const token = (req.body as { csrf?: string } | undefined)?.csrf ?? req.get('x-kustiq-csrf');
    if (token !== sess.csrf) {
      res.status(403).send(errorPage('Request refused', 'The form was stale or came from another site. Reload the page and try again.', null));
      return false;
    }
    return true;
  };

  r.get('/', (_req, res) => res.redirect(302, currentSession(res) ? '/integrations' : '/login'));
  r.get('/login', (req, res) => {
    const ended = typeof req.query.ended === 'string' && Object.hasOwn(LOGIN_NOTICES, req.query.ended) ? LOGIN_NOTICES[req.query.ended] : undefined;
    res.type('html').send(loginPage(ended));
  });

  // Each install writes a state row before anyone is signed in: a limit per client address
  // (in this process' memory; oauth-flow.ts has the numbers, docs/operations.md says why).
  const installLimit = new RateLimiter(INSTALL_RATE_LIMIT.limit, INSTALL_RATE_LIMIT.windowMs);
  r.get('/oauth/install', async (req, res, next) => {
    try {
      const allowed = installLimit.take(clientKey(req.ip));
      if (!allowed.ok) {
        s.log.info({ client: clientKey(req.ip), path: req.path }, 'install rate limit reached');
        return void res.status(429).set('retry-after', String(allowed.retryAfterSeconds)).type('html')
          .send(errorPage('Too many sign-ins', `Too many sign-in attempts from your network. Try again in ${allowed.retryAfterSeconds} seconds.`, null));
      }
      const parsed = z.object({ purpose: z.enum(['login', 'connect']).default('connect') }).safeParse(req.query);
      if (!parsed.success) return badRequest(res, parsed.error);
      const sess = currentSession(res);
      const { url, browserNonce } = await startAuthorization(s, parsed.data.purpose, sess?.workspaceId ?? null);
      cookies.set(res, OAUTH_COOKIE, browserNonce, STATE_TTL_MS / 1000);
      res.redirect(302, url);
    } catch (err) {
      next(err);
    }
  });

  r.get('/oauth/callback', async (req, res, next) => {
    const q = z.object({ state: z.string().max(200).optional(), code: z.string().max(2000).optional(), error: z.string().max(200).optional(), error_description: z.string().max(2000).optional() }).safeParse(req.query);
    if (!q.success) return void res.status(400).type('html').send(errorPage('HubSpot connection failed', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), null));
    try {
      const result = await completeAuthorization(s, {
        state: q.data.state, code: q.data.code, error: q.data.error, errorDescription: q.data.error_description, browserNonce: cookies.read(req, OAUTH_COOKIE) ?? undefined,
      });
      cookies.clear(res, OAUTH_COOKIE);
      // The browser's previous session is replaced, so it ends here (not at its expiry).
      const previous = cookies.read(req, SESSION_COOKIE);
      if (previous) await s.knex('sessions').where({ id_hash: sha256(previous) }).delete();
      cookies.set(res, SESSION_COOKIE, result.sessionId, SESSION_TTL_MS / 1000);
      res.redirect(302, '/integrations');
    } catch (err) {
      cookies.clear(res, OAUTH_COOKIE);
      if (err instanceof CallbackError) return void res.status(err.status).type('html').send(errorPage('HubSpot connection failed', err.message, err.code));
      if (err instanceof KustiqError) return void res.status(400).type('html').send(errorPage('HubSpot connection failed', err.message, err.code));
      next(err);
    }
  });

  r.get('/integrations', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      res.type('html').send(integrationsPage(sess, await connectionView(s, sess.workspaceId)));
    } catch (err) {
      next(err);
    }
  });

  r.post('/integrations/hubspot/disconnect', form, async (req, res, next) => {
    try {
      if (!requireSession(req, res) || !checkCsrf(req, res)) return;
      await disconnect(s, currentSession(res)!.workspaceId);
      // Every session of the workspace ended with it, this one too.
      cookies.clear(res, SESSION_COOKIE);
      res.redirect(303, '/login?ended=disconnect');
    } catch (err) {
      next(err);
    }
  });

  r.post('/logout', form, async (req, res, next) => {
    try {
      if (!requireSession(req, res) || !checkCsrf(req, res)) return;
      const id = cookies.read(req, SESSION_COOKIE);
      if (id) await s.knex('sessions').where({ id_hash: sha256(id) }).delete();
      cookies.clear(res, SESSION_COOKIE);
      res.redirect(303, '/login');
    } catch (err) {
      next(err);
    }
  });

  // JSON API for the same actions (session cookie + x-kustiq-csrf header).
  r.get('/api/connection', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      res.json({ connection: await connectionView(s, sess.workspaceId) });
    } catch (err) {
      next(err);
    }
  });
  r.post('/api/connection/disconnect', express.json({ limit: '4kb' }), async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      if (req.get('x-kustiq-csrf') !== sess.csrf) return void res.status(403).json({ error: { message: 'x-kustiq-csrf header missing or wrong', field: 'x-kustiq-csrf' } });
      const out = await disconnect(s, sess.workspaceId);
      if (!out) return void res.status(404).json({ error: { message: 'No HubSpot connection' } });
      cookies.clear(res, SESSION_COOKIE);
      res.json({ disconnected: out });
    } catch (err) {
      next(err);
    }
  });

  // The review table: page (forms) and JSON API, both on the session's connection.
  const connectionOf = async (workspaceId: string) =>
    s.knex('hubspot_connections').where({ workspace_id: workspaceId, status: 'connected' }).first();
  const tallyOf = async (connectionId: string) =>
    Object.fromEntries((await s.knex('company_matches').where({ connection_id: connectionId }).groupBy('status').select('status').count('* as n')).map((r) => [r.status, Number(r.n)]));

  r.get('/review', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      const conn = await connectionOf(sess.workspaceId);
      const q = z.object({ offset: z.coerce.number().int().min(0).default(0) }).safeParse(req.query);
      if (!q.success) return badRequest(res, q.error);
      res.type('html').send(reviewPage(sess, conn ? await reviewRows(s.knex, conn.id, { offset: q.data.offset }) : null, conn ? await tallyOf(conn.id) : {}));
    } catch (err) {
      next(err);
    }
  });
  const reviewAction = (fn: (connId: string, userId: string, body: unknown) => Promise<unknown>, html: boolean) =>
    async (req: Request, res: Response, next: (e: unknown) => void) => {
      try {
        const sess = requireSession(req, res);
        if (!sess) return;
        if (html ? !checkCsrf(req, res) : req.get('x-kustiq-csrf') !== sess.csrf) {
          if (!html) res.status(403).json({ error: { message: 'x-kustiq-csrf header missing or wrong', field: 'x-kustiq-csrf' } });
          return;
        }
        const conn = await connectionOf(sess.workspaceId);
        if (!conn) return void res.status(409).json({ error: { message: 'HubSpot is not connected' } });
        const out = await fn(conn.id, sess.userId, req.body);
        if (html) res.redirect(303, '/review');
        else res.json(out);
      } catch (err) {
        if (err instanceof z.ZodError) return badRequest(res, err);
        if (err instanceof ReviewError) return void res.status(400).json({ error: { message: err.message, fields: [{ field: err.field, problem: err.message }] } });
        next(err);
      }
    };
  const decideFn = async (connId: string, userId: string, body: unknown) => decide(s.knex, connId, userId, Decision.parse(body));
  const bulkFn = async (connId: string, userId: string, body: unknown) => {
    const raw = (body as { companyIds?: unknown }).companyIds;
    return bulkConfirm(s.knex, connId, userId, BulkConfirm.parse({ companyIds: raw === undefined ? [] : Array.isArray(raw) ? raw : [raw] }).companyIds);
  };
  const runFn = async (connId: string) => {
    const conn = await s.knex('hubspot_connections').where({ id: connId }).first();
    return matchPortal(s, Number(conn.portal_id));
  };
  r.post('/review/decide', express.urlencoded({ extended: false, limit: '16kb' }), reviewAction(decideFn, true));
  r.post('/review/bulk', express.urlencoded({ extended: false, limit: '256kb' }), reviewAction(bulkFn, true));
  r.post('/review/run', form, reviewAction(runFn, true));
  r.get('/api/review', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      const conn = await connectionOf(sess.workspaceId);
      if (!conn) return void res.status(409).json({ error: { message: 'HubSpot is not connected' } });
      res.json({ ...(await reviewRows(s.knex, conn.id)), counts: await tallyOf(conn.id) });
    } catch (err) {
      next(err);
    }
  });
  r.post('/api/review/decide', express.json({ limit: '16kb' }), reviewAction(decideFn, false));
  r.post('/api/review/bulk-confirm', express.json({ limit: '256kb' }), reviewAction(bulkFn, false));
  r.post('/api/matching/run', express.json({ limit: '1kb' }), reviewAction(runFn, false));

  // The ICP: page (forms) and JSON API. Saving queues a rescore of the connected portal.
  const icpState = async (workspaceId: string, over: Partial<IcpPageState> = {}): Promise<IcpPageState> => {
    const saved = await loadIcp(s.knex, workspaceId);
    const conn = await connectionView(s, workspaceId);
    const connected = conn?.status === 'connected';
    return { saved, definition: saved?.definition ?? null, connected, canUseLists: connected && conn!.scopes.includes('crm.lists.read'), ...over };
  };
  // jobId null with queued true: a rescore already waiting will read the newest ICP.
  const afterSave = async (workspaceId: string): Promise<{ queued: boolean; jobId: string | null }> => {
    const conn = await connectionOf(workspaceId);
    if (!conn || !s.boss) return { queued: false, jobId: null };
    return { queued: true, jobId: await queueRescore(s.boss, Number(conn.portal_id)) };
  };
  const LookalikeRequest = z.object({
    tier: z.enum(TIERS),
    domains: z.union([z.string().max(200_000), z.array(z.string().max(300)).max(5000)]).optional(),
    listId: z.string().trim().regex(/^\d*$/, 'a HubSpot list id (digits)').optional(),
  });
  const lookalike = async (workspaceId: string, raw: unknown) => {
    const req = LookalikeRequest.parse(raw);
    let domains = typeof req.domains === 'string' ? req.domains.split(/[\s,;]+/).filter(Boolean) : req.domains ?? [];
    if (req.listId) {
      const conn = await connectionOf(workspaceId);
      if (!conn) throw new FieldError('listId', 'HubSpot is not connected');
      domains = domains.concat(await listDomains(s, Number(conn.portal_id), req.listId));
    }
    if (!domains.length) throw new FieldError('domains', 'give the domains of your best customers, or a HubSpot list id');
    const found = await profilesForDomains(s.knex, domains);
    try {
      return { ...deriveTier(req.tier, found.values), found: found.found, notFound: found.notFound };
    } catch (err) {
      if (err instanceof RangeError) throw new FieldError('domains', err.message);
      throw err;
    }
  };

  r.get('/icp', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      const notice = req.query.saved ? (s.boss ? 'Saved. Rescoring the portal: the fit properties update in HubSpot shortly.' : 'Saved.') : undefined;
      res.type('html').send(icpPage(sess, await icpState(sess.workspaceId, { notice })));
    } catch (err) {
      next(err);
    }
  });
  r.post('/icp', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess || !checkCsrf(req, res)) return;
      const candidate = formToIcp(req.body);
      const parsed = IcpDefinition.safeParse(candidate);
      if (!parsed.success) {
        return void res.status(400).type('html').send(icpPage(sess, await icpState(sess.workspaceId, { definition: candidate as IcpDefinition, problems: formProblems(candidate, parsed.error.issues) })));
      }
      await saveIcp(s.knex, sess.workspaceId, sess.userId, parsed.data);
      await afterSave(sess.workspaceId);
      res.redirect(303, '/icp?saved=1');
    } catch (err) {
      next(err);
    }
  });
  r.post('/icp/lookalike', express.urlencoded({ extended: false, limit: '256kb' }), async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess || !checkCsrf(req, res)) return;
      const { csrf: _c, ...body } = req.body as Record<string, string>;
      try {
        const result = await lookalike(sess.workspaceId, { ...body, listId: body.listId || undefined });
        const current = await loadIcp(s.knex, sess.workspaceId);
        const tiers = [...(current?.definition.tiers ?? []).filter((t) => t.tier !== result.tier.tier), result.tier].sort((a, b) => a.tier.localeCompare(b.tier));
        res.type('html').send(icpPage(sess, await icpState(sess.workspaceId, { definition: { tiers }, lookalike: result })));
      } catch (err) {
        const problems = err instanceof z.ZodError ? icpProblems(err).map((p) => `${p.field}: ${p.problem}`) : err instanceof FieldError ? [err.message] : null;
        if (!problems) throw err;
        res.status(400).type('html').send(icpPage(sess, await icpState(sess.workspaceId, { problems })));
      }
    } catch (err) {
      next(err);
    }
  });
  // JSON API actions on the session's workspace: x-kustiq-csrf on writes; bad input answers 400 naming the field
  // (`root` names the input as a whole, for a problem with no field path).
  const jsonApi = (fn: (workspaceId: string, userId: string, body: unknown, req: Request) => Promise<unknown>, root = '(body)') =>
    async (req: Request, res: Response, next: (e: unknown) => void) => {
      try {
        const sess = requireSession(req, res);
        if (!sess) return;
        if (req.method !== 'GET' && req.get('x-kustiq-csrf') !== sess.csrf) return void res.status(403).json({ error: { message: 'x-kustiq-csrf header missing or wrong', field: 'x-kustiq-csrf' } });
        res.json(await fn(sess.workspaceId, sess.userId, req.body, req));
      } catch (err) {
        if (err instanceof z.ZodError) {
          const fields = zodProblems(err, root);
          return void res.status(400).json({ error: { message: `Invalid ${fields.map((f) => f.field).join(', ')}`, fields } });
        }
        if (err instanceof FieldError) return void res.status(400).json({ error: { message: err.message, fields: [{ field: err.field, problem: err.message }] } });
        next(err);
      }
    };
  registerWebhookRoutes(r, s, { form, requireSession, checkCsrf, jsonApi });
  r.get('/api/icp', jsonApi(async (workspaceId) => ({ icp: await loadIcp(s.knex, workspaceId) })));
  r.put('/api/icp', express.json({ limit: '64kb' }), jsonApi(async (workspaceId, userId, body) => {
    const version = await saveIcp(s.knex, workspaceId, userId, IcpDefinition.parse(body));
    return { version, rescore: await afterSave(workspaceId) };
  }, '(icp)'));
  r.post('/api/icp/lookalike', express.json({ limit: '256kb' }), jsonApi(async (workspaceId, _u, body) => ({ preview: await lookalike(workspaceId, body), saved: false }), '(icp)'));
  r.post('/api/icp/rescore', express.json({ limit: '1kb' }), jsonApi(async (workspaceId) => {
    if (!s.boss) throw new FieldError('portal', 'no job queue in this process: run a worker');
    const conn = await connectionOf(workspaceId);
    if (!conn) throw new FieldError('portal', 'HubSpot is not connected');
    return { rescore: { queued: true, jobId: await queueRescore(s.boss, Number(conn.portal_id)) } };
  }));

  r.post('/api/records/:objectType/:id/sync', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      if (req.get('x-kustiq-csrf') !== sess.csrf) return void res.status(403).json({ error: { message: 'x-kustiq-csrf header missing or wrong', field: 'x-kustiq-csrf' } });
      const params = z.object({ objectType: z.enum(['companies', 'contacts']), id: z.string().regex(/^\d{1,20}$/, 'a HubSpot record id (digits)') }).safeParse(req.params);
      if (!params.success) return badRequest(res, params.error);
      const conn = await connectionOf(sess.workspaceId);
      if (!conn) return void res.status(409).json({ error: { message: 'HubSpot is not connected', code: 'ERR_OAUTH_REVOKED' } });
      if (!s.boss) return void res.status(503).json({ error: { message: 'no job queue in this process: run a worker' } });
      const view = await queueRecordSync(s.knex, s.boss, conn.id, Number(conn.portal_id), params.data.objectType, params.data.id);
      res.status(202).json({ sync: view });
    } catch (err) {
      next(err);
    }
  });
  r.get('/api/record-syncs/:id', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      const id = z.uuid().safeParse(req.params.id);
      if (!id.success) return noSuchId(res, 'record sync');
      const row = await s.knex('record_syncs as r').join('hubspot_connections as c', 'c.id', 'r.connection_id').where({ 'r.id': id.data, 'c.workspace_id': sess.workspaceId }).first('r.*');
      if (!row) return void res.status(404).json({ error: { message: 'No such record sync' } });
      res.json({ sync: recordSyncView(row) });
    } catch (err) {
      next(err);
    }
  });

  // Sync progress: page, JSON API, and starting a full run.
  const syncState = async (workspaceId: string) => {
    const conn = await connectionOf(workspaceId);
    const limits = hubspotLimits(s.config);
    if (!conn) return { connected: false, runs: [], current: null, limits, credits: null, scope: null, properties: [] };
    const runs = await recentRuns(s.knex, conn.id);
    const credits = { ...(await creditStatus(s.knex, workspaceId, new Date(), s.config.KUSTIQ_CREDITS === 'metered')), waiting: await waitingForCredits(s.knex, conn.id) };
    const scope = conn.sync_list_id ? { listId: conn.sync_list_id as string, name: conn.sync_list_name as string } : null;
    // Properties the sync leaves out of every write (their state is not ok), with their codes.
    const properties: PropertyProblem[] = (await s.knex('property_states').where({ connection_id: conn.id }).whereNot({ status: 'ok' }).orderBy(['object_type', 'name']).select('object_type', 'name', 'code', 'detail'))
      .map((p) => ({ objectType: p.object_type, name: p.name, code: p.code, detail: p.detail }));
    return { connected: true, runs, current: runs[0] ? await runDetail(s.knex, conn.id, runs[0].id) : null, limits, credits, scope, properties };
  };
  const startFull = async (workspaceId: string) => {
    const conn = await connectionOf(workspaceId);
    if (!conn) throw new FieldError('portal', 'HubSpot is not connected');
    if (!s.boss) throw new FieldError('portal', 'no job queue in this process: run a worker');
    const running = await s.knex('sync_runs').where({ connection_id: conn.id }).whereIn('status', ['queued', 'running']).whereNot({ kind: 'record' }).first();
    return running ? { runId: running.id as string, started: false } : { runId: await startSync(s.boss, s, Number(conn.portal_id), 'full'), started: true };
  };
  r.get('/sync', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      res.type('html').send(syncPage(sess, await syncState(sess.workspaceId)));
    } catch (err) {
      next(err);
    }
  });
  r.post('/sync/run', form, async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess || !checkCsrf(req, res)) return;
      await startFull(sess.workspaceId);
      res.redirect(303, '/sync');
    } catch (err) {
      next(err);
    }
  });
  // Which companies a portal's syncs cover: all, or one HubSpot company list (crm.lists.read).
  const portOf = (conn: { portal_id: string }) => HubSpotPort.forPortal(s, Number(conn.portal_id));
  const scopeState = async (workspaceId: string, withLists: boolean) => {
    const conn = await connectionOf(workspaceId);
    if (!conn) throw new FieldError('portal', 'HubSpot is not connected');
    const canList = (conn.scopes as string[]).includes(LIST_SCOPE);
    return {
      scope: conn.sync_list_id ? { listId: conn.sync_list_id as string, name: conn.sync_list_name as string } : null,
      canList,
      lists: withLists && canList ? await companyLists(portOf(conn)) : [],
    };
  };
  const SyncScope = z.object({ listId: z.string().regex(/^\d+$/, 'must be a HubSpot list id').nullable() });
  const saveScope = async (workspaceId: string, body: unknown) => {
    const { listId } = SyncScope.parse(body);
    const conn = await connectionOf(workspaceId);
    if (!conn) throw new FieldError('portal', 'HubSpot is not connected');
    return setSyncList(s.knex, portOf(conn), conn.id, listId, conn.scopes);
  };
  r.get('/api/sync/scope', jsonApi(async (workspaceId) => scopeState(workspaceId, false)));
  r.put('/api/sync/scope', express.json({ limit: '1kb' }), jsonApi(async (workspaceId, _u, body) => ({ scope: await saveScope(workspaceId, body) })));
  r.get('/sync/scope', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      res.type('html').send(syncScopePage(sess, await scopeState(sess.workspaceId, true)));
    } catch (err) {
      next(err);
    }
  });
  r.post('/sync/scope', form, async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess || !checkCsrf(req, res)) return;
      const listId = req.body.scope === 'list' ? String(req.body.listId ?? '') : null;
      try {
        await saveScope(sess.workspaceId, { listId });
      } catch (err) {
        if (!(err instanceof FieldError) && !(err instanceof z.ZodError)) throw err;
        const message = err instanceof FieldError ? err.message : zodProblems(err).map((p) => `${p.field}: ${p.problem}`).join('; ');
        return void res.status(400).type('html').send(syncScopePage(sess, await scopeState(sess.workspaceId, true), message));
      }
      res.redirect(303, '/sync');
    } catch (err) {
      next(err);
    }
  });
  r.get('/api/credits', jsonApi(async (workspaceId) => {
    const st = await syncState(workspaceId);
    return { credits: st.credits };
  }));
  r.get('/api/sync/runs', jsonApi(async (workspaceId) => {
    const st = await syncState(workspaceId);
    return { runs: st.runs };
  }));
  r.get('/api/sync/runs/:id', async (req, res, next) => {
    try {
      const sess = requireSession(req, res);
      if (!sess) return;
      const id = z.uuid().safeParse(req.params.id);
      if (!id.success) return noSuchId(res, 'run');
      const conn = await connectionOf(sess.workspaceId);
      const detail = conn ? await runDetail(s.knex, conn.id, id.data) : null;
      if (!detail) return void res.status(404).json({ error: { message: 'No such run' } });
      res.json(detail);
    } catch (err) {
      next(err);
    }
  });
  r.post('/api/sync/run', express.json({ limit: '1kb' }), jsonApi(async (workspaceId) => startFull(workspaceId)));

  r.get('/docs/troubleshooting', async (_req, res, next) => {
    try {
      const md = fs.readFileSync(path.join(DOCS, 'troubleshooting.md'), 'utf8');
      res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Troubleshooting · Kustiq</title><link rel="stylesheet" href="${CSS_PATH}"></head><body class="doc">${await marked.parse(md)}</body></html>`);
    } catch (err) {
      next(err);
    }
  });
  return r;
}
