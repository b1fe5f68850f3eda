import { type Request, Router } from 'express';
import { jsonBody } from '../json-body';
import { z } from 'zod';
import { associate } from '../associations';
import { handle, type EmulatorContext } from '../context';
import { serializeRecord, validateInputs } from '../crm';
import { errors } from '../errors';
import type { RequestLog } from '../request-log';
import { seedPortal } from '../seed';
import { DEFAULT_SETTINGS, OBJECT_TYPE_IDS, parseObjectType, type ObjectType, type Portal } from '../state';
import { buildProperty } from './properties';

/**
 * The emulator's own admin API under /_emulator/ (ours to design; see docs/emulator.md):
 * portals, seeding, stored values, faults, settings, the request log and reset.
 */
function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    throw errors.validation(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return r.data;
}

const PortalBody = z.object({
  portalId: z.number().int().positive().optional(),
  timeZone: z.string().optional(),
  dataHostingLocation: z.enum(['na1', 'na2', 'eu1', 'ap1']).optional(),
  uiDomain: z.string().optional(),
  companyCurrency: z.string().optional(),
  companies: z.number().int().min(0).max(1_000_000).optional(),
  contacts: z.number().int().min(0).max(3_000_000).optional(),
  seed: z.number().int().optional(),
});

const FaultBody = z.object({
  kind: z.enum(['latency', 'http5xx', 'http429', 'drop', 'http423']),
  count: z.number().int().positive().optional(),
  status: z.number().int().min(500).max(599).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  pathPrefix: z.string().optional(),
  methods: z.array(z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE'])).optional(),
});

const SettingsBody = z.object({
  rateLimit: z.object({ enabled: z.boolean(), max: z.number().int().positive(), windowMs: z.number().int().positive(), searchPerSecond: z.number().int().positive() }).partial().optional(),
  searchDelayMs: z.number().int().min(0).optional(),
  accessTokenTtlSeconds: z.number().int().positive().optional(),
  nextGrant: z.object({ withhold: z.array(z.string()).default([]), error: z.string().optional(), errorDescription: z.string().optional(), portalId: z.number().int().optional() }).nullable().optional(),
  webhooks: z.object({ retryDelaysMs: z.array(z.number().int().min(0)), batchWindowMs: z.number().int().min(0), timeoutMs: z.number().int().positive() }).partial().optional(),
  clockAdvanceMs: z.number().int().optional(),
  freezeClock: z.boolean().optional(),
});

export function adminRoutes(ctx: EmulatorContext, log: RequestLog, resetLimits: () => void): Router {
  const r = Router();
  const { state, crm } = ctx;
  r.use(jsonBody(50 * 1024 * 1024));

  const portalOf = (req: Request): Portal => {
    const p = state.portals.get(Number(req.params.portalId));
    if (!p) throw errors.notFound(`No portal ${req.params.portalId}`);
    return p;
  };
  const typeOf = (req: Request): ObjectType => {
    const t = parseObjectType(String(req.params.objectType));
    if (!t) throw errors.notFound(`Unknown object type ${req.params.objectType}`);
    return t;
  };
  const summary = (p: Portal) => ({
    portalId: p.portalId, timeZone: p.timeZone, dataHostingLocation: p.dataHostingLocation, uiDomain: p.uiDomain,
    paused: p.paused, companies: p.objects.companies.size, contacts: p.objects.contacts.size, faults: p.faults,
    lists: [...p.lists.values()].map((l) => ({ listId: l.listId, name: l.name, size: l.members.length })),
  });

  r.get('/', (_req, res) => {
    res.json({
      defaultPortalId: state.defaultPortalId,
      portals: [...state.portals.values()].map(summary),
      apps: [...state.apps.values()].map((a) => ({ appId: a.appId, clientId: a.clientId, webhookTargetUrl: a.webhookTargetUrl, subscriptions: a.subscriptions.length })),
      installations: [...state.installations.values()],
      settings: state.settings,
      clockOffsetMs: state.clock.offsetMs,
    });
  });

  r.post('/portals', handle((req, res) => {
    const b = parse(PortalBody, req.body);
    const p = state.createPortal(b);
    if (b.companies || b.contacts) seedPortal(p, crm, { companies: b.companies ?? 0, contacts: b.contacts ?? 0, seed: b.seed });
    res.status(201).json(summary(p));
  }));
  r.get('/portals/:portalId', handle((req, res) => void res.json(summary(portalOf(req)))));
  r.post('/portals/:portalId/seed', handle((req, res) => {
    const b = parse(z.object({ companies: z.number().int().min(0), contacts: z.number().int().min(0), seed: z.number().int().optional() }), req.body);
    res.json(seedPortal(portalOf(req), crm, b));
  }));
  r.patch('/portals/:portalId', handle((req, res) => {
    const p = portalOf(req);
    const b = parse(z.object({ paused: z.boolean().optional(), timeZone: z.string().optional(), dataHostingLocation: z.string().optional() }), req.body);
    Object.assign(p, b);
    res.json(summary(p));
  }));

  // Stored values, exactly as kept (every property, not only requested ones).
  r.get('/portals/:portalId/objects/:objectType', handle((req, res) => {
    const p = portalOf(req);
    const type = typeOf(req);
    const ids = req.query.ids ? String(req.query.ids).split(',') : null;
    const offset = Number(req.query.offset ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 1000), 100_000);
    const recs = ids ? ids.map((id) => p.objects[type].records.get(id)).filter(Boolean) : p.objects[type].order.slice(offset, offset + limit);
    res.json({ total: p.objects[type].size, results: recs.map((rec) => ({ ...serializeRecord(rec!, type, Object.keys(rec!.properties)), properties: rec!.properties })) });
  }));
  r.get('/portals/:portalId/objects/:objectType/:id', handle((req, res) => {
    const p = portalOf(req);
    const type = typeOf(req);
    const rec = p.objects[type].records.get(String(req.params.id));
    if (!rec) throw errors.notFound();
    const assoc = [...(type === 'contacts' ? p.associations.contactToCompanies : p.associations.companyToContacts).get(rec.id) ?? []].map(([id, t]) => ({ id, typeIds: [...t] }));
    res.json({ ...serializeRecord(rec, type, Object.keys(rec.properties)), properties: rec.properties, associations: assoc });
  }));
  // A person editing in HubSpot's UI: validated like the API, fires webhooks with changeSource CRM_UI.
  r.post('/portals/:portalId/objects/:objectType', handle((req, res) => {
    const p = portalOf(req);
    const type = typeOf(req);
    const b = parse(z.object({ properties: z.record(z.string(), z.string()), associateCompanyId: z.string().optional() }), req.body);
    const [values] = validateInputs(p, type, [{ ref: 'new', properties: b.properties }], { allowReadOnly: false });
    const rec = crm.create(p, type, values!, { kind: 'CRM_UI' });
    if (type === 'contacts' && b.associateCompanyId) associate(p, rec.id, b.associateCompanyId, true);
    res.status(201).json({ ...serializeRecord(rec, type, Object.keys(rec.properties)), properties: rec.properties });
  }));
  r.patch('/portals/:portalId/objects/:objectType/:id', handle((req, res) => {
    const p = portalOf(req);
    const type = typeOf(req);
    const rec = p.objects[type].get(String(req.params.id));
    if (!rec) throw errors.notFound();
    const b = parse(z.object({ properties: z.record(z.string(), z.string()) }), req.body);
    const [values] = validateInputs(p, type, [{ ref: rec.id, properties: b.properties }]);
    crm.update(p, type, rec, values!, { kind: 'CRM_UI' });
    res.json({ ...serializeRecord(rec, type, Object.keys(rec.properties)), properties: rec.properties });
  }));
  r.delete('/portals/:portalId/objects/:objectType/:id', handle((req, res) => {
    const rec = portalOf(req).objects[typeOf(req)].get(String(req.params.id));
    if (rec) crm.archive(rec);
    res.status(204).end();
  }));

  // Properties as a person (or another integration) left them: conflicts and read-only locks.
  r.get('/portals/:portalId/properties/:objectType', handle((req, res) => {
    res.json({ results: [...portalOf(req).properties[typeOf(req)].values()] });
  }));
  r.put('/portals/:portalId/properties/:objectType/:name', handle((req, res) => {
    const p = portalOf(req);
    const type = typeOf(req);
    const body = { groupName: [...p.groups[type].keys()][0], ...(req.body as object), name: req.params.name };
    const def = buildProperty(p, type, body);
    p.properties[type].set(def.name, def);
    res.json(def);
  }));
  r.patch('/portals/:portalId/properties/:objectType/:name', handle((req, res) => {
    const def = portalOf(req).properties[typeOf(req)].get(String(req.params.name));
    if (!def) throw errors.notFound();
    const b = parse(z.object({ readOnlyValue: z.boolean().optional(), readOnlyDefinition: z.boolean().optional() }), req.body);
    Object.assign(def.modificationMetadata, b);
    res.json(def);
  }));
  r.delete('/portals/:portalId/properties/:objectType/:name', handle((req, res) => {
    portalOf(req).properties[typeOf(req)].delete(String(req.params.name));
    res.status(204).end();
  }));

  r.post('/portals/:portalId/lists', handle((req, res) => {
    const p = portalOf(req);
    const b = parse(z.object({ name: z.string().min(1), objectType: z.enum(['companies', 'contacts']).default('companies'), recordIds: z.array(z.string()).default([]) }), req.body);
    const now = state.clock.now();
    const list = { listId: String(p.nextListId++), name: b.name, objectTypeId: OBJECT_TYPE_IDS[b.objectType], processingType: 'MANUAL' as const, createdAt: now, updatedAt: now, members: b.recordIds.map((recordId) => ({ recordId, membershipTimestamp: now })) };
    p.lists.set(list.listId, list);
    res.status(201).json({ listId: list.listId, name: list.name, size: list.members.length });
  }));

  r.post('/portals/:portalId/faults', handle((req, res) => {
    const p = portalOf(req);
    res.status(201).json(state.addFault(p.portalId, parse(FaultBody, req.body)));
  }));
  r.delete('/portals/:portalId/faults', handle((req, res) => {
    portalOf(req).faults.length = 0;
    res.status(204).end();
  }));
  r.post('/portals/:portalId/revoke-tokens', handle((req, res) => {
    res.json({ revoked: state.revokeAll(portalOf(req).portalId) });
  }));
  r.post('/portals/:portalId/uninstall', handle((req, res) => {
    const p = portalOf(req);
    for (const inst of state.installations.values()) if (inst.portalId === p.portalId) inst.installed = false;
    res.json({ revoked: state.revokeAll(p.portalId) });
  }));
  r.post('/portals/:portalId/scopes/remove', handle((req, res) => {
    const p = portalOf(req);
    const b = parse(z.object({ scopes: z.array(z.string()).min(1) }), req.body);
    const touched = [];
    for (const inst of state.installations.values()) {
      if (inst.portalId !== p.portalId) continue;
      inst.scopes = inst.scopes.filter((s) => !b.scopes.includes(s));
      touched.push(inst);
    }
    res.json({ installations: touched });
  }));

  r.get('/process', (_req, res) => void res.json({ pid: process.pid, ...process.memoryUsage() }));
  r.get('/settings', (_req, res) => void res.json(state.settings));
  r.patch('/settings', handle((req, res) => {
    const b = parse(SettingsBody, req.body);
    const s = state.settings;
    if (b.rateLimit) s.rateLimit = { ...s.rateLimit, ...b.rateLimit };
    if (b.webhooks) s.webhooks = { ...s.webhooks, ...b.webhooks };
    if (b.searchDelayMs !== undefined) s.searchDelayMs = b.searchDelayMs;
    if (b.accessTokenTtlSeconds !== undefined) s.accessTokenTtlSeconds = b.accessTokenTtlSeconds;
    if (b.nextGrant !== undefined) s.nextGrant = b.nextGrant;
    if (b.freezeClock !== undefined) state.clock.freeze(b.freezeClock);
    if (b.clockAdvanceMs) state.clock.advance(b.clockAdvanceMs);
    res.json(s);
  }));

  r.patch('/apps/:clientId', handle((req, res) => {
    const app = state.apps.get(String(req.params.clientId));
    if (!app) throw errors.notFound(`No app ${req.params.clientId}`);
    const b = parse(z.object({ webhookTargetUrl: z.string().url().nullable().optional() }), req.body);
    if (b.webhookTargetUrl !== undefined) app.webhookTargetUrl = b.webhookTargetUrl;
    res.json({ appId: app.appId, clientId: app.clientId, webhookTargetUrl: app.webhookTargetUrl, subscriptions: app.subscriptions });
  }));
  // An install HubSpot starts itself (the marketplace's install button, or the app's
  // install URL opened by hand): HubSpot's authorize URL with the app's own scopes and no
  // `state`, so the app's callback gets a `code` and nothing else. Open it in a browser.
  r.get('/apps/:clientId/install', handle((req, res) => {
    const app = state.apps.get(String(req.params.clientId));
    if (!app) throw errors.notFound(`No app ${req.params.clientId}`);
    const q = parse(z.object({ redirect_uri: z.string().url(), portalId: z.coerce.number().int().positive().optional() }), req.query);
    if (q.portalId !== undefined && !state.portals.has(q.portalId)) throw errors.notFound(`No portal ${q.portalId}`);
    const url = new URL(q.portalId === undefined ? '/oauth/authorize' : `/oauth/${q.portalId}/authorize`, `${req.protocol}://${req.get('host')}`);
    url.searchParams.set('client_id', app.clientId);
    url.searchParams.set('redirect_uri', q.redirect_uri);
    url.searchParams.set('scope', app.scopes.required.join(' '));
    if (app.scopes.optional.length) url.searchParams.set('optional_scope', app.scopes.optional.join(' '));
    res.redirect(302, url.toString());
  }));
  r.post('/webhooks/flush', handle(async (_req, res) => {
    await ctx.webhooks.flush();
    res.json({ deliveries: ctx.webhooks.deliveries.length });
  }));
  r.get('/webhooks/deliveries', (_req, res) => void res.json({ pending: ctx.webhooks.pendingCount(), results: ctx.webhooks.deliveries }));

  r.get('/requests', (req, res) => {
    const portalId = req.query.portalId ? Number(req.query.portalId) : undefined;
    const since = req.query.since ? Number(req.query.since) : 0;
    const entries = log.entries.filter((e) => (portalId === undefined || e.portalId === portalId) && e.at >= since);
    res.json({ ...log.stats(portalId), entries: req.query.entries === 'false' ? undefined : entries });
  });
  r.get('/stats', (req, res) => void res.json(log.stats(req.query.portalId ? Number(req.query.portalId) : undefined)));
  r.delete('/requests', (_req, res) => { log.reset(); res.status(204).end(); });

  r.post('/reset', handle((req, res) => {
    const b = parse(z.object({ keepPortals: z.boolean().default(false) }), req.body);
    log.reset();
    resetLimits();
    state.settings = structuredClone(DEFAULT_SETTINGS);
    state.clock.offsetMs = 0;
    state.clock.frozenAt = null;
    if (!b.keepPortals) {
      const keep = state.portals.get(state.defaultPortalId);
      state.portals.clear();
      state.installations.clear();
      state.tokens.clear();
      state.codes.clear();
      if (keep) {
        // The default portal comes back empty with its id, so printed URLs stay valid.
        (state as unknown as { defaultPortalId: number }).defaultPortalId = 0;
        state.createPortal({ portalId: keep.portalId, timeZone: keep.timeZone, dataHostingLocation: keep.dataHostingLocation });
      }
    }
    res.json({ ok: true });
  }));

  return r;
}
