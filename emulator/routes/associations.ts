import { type Request, type Response, Router } from 'express';
import { jsonBody } from '../json-body';
import { ASSOC, associate, associationsOf, dissociate } from '../associations';
import { authed, handle, type EmulatorContext } from '../context';
import { errors, sendError } from '../errors';
import { parseObjectType, type ObjectType, type Portal } from '../state';

function pair(req: Request, fromKey: string, toKey: string): { from: ObjectType; to: ObjectType } {
  const from = parseObjectType(String(req.params[fromKey]));
  const to = parseObjectType(String(req.params[toKey]));
  if (!from || !to || from === to) throw errors.validation(`Unsupported association ${req.params[fromKey]} → ${req.params[toKey]}; the emulator models contacts ↔ companies`);
  return { from, to };
}

function scopes(...types: string[]) {
  return (req: Request, res: Response, next: () => void) => {
    const { auth } = authed(res);
    const needed = types.map((k) => parseObjectType(String(req.params[k]))).filter(Boolean).map((t) => `crm.objects.${t}.read`);
    const missing = needed.filter((s) => !auth.scopes.includes(s));
    if (missing.length) return sendError(res, errors.missingScopes(missing));
    next();
  };
}

/** v4 association types; the primary pair carries HubSpot's "Primary" label. */
function labelsFor(typeIds: Iterable<number>) {
  return [...typeIds].sort((a, b) => a - b).map((typeId) =>
    typeId === ASSOC.contactToCompanyPrimary || typeId === ASSOC.companyToContactPrimary
      ? { category: 'HUBSPOT_DEFINED', typeId, label: 'Primary' }
      : { category: 'HUBSPOT_DEFINED', typeId },
  );
}

function ensure(portal: Portal, type: ObjectType, id: string) {
  return portal.objects[type].get(id);
}

export function associationRoutes(ctx: EmulatorContext): Router {
  const r = Router();
  const json = jsonBody(5 * 1024 * 1024);
  void ctx;

  r.get('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType', scopes('objectType', 'toObjectType'), handle((req, res) => {
    const { portal } = authed(res);
    const { from } = pair(req, 'objectType', 'toObjectType');
    const limit = Math.min(Number(req.query.limit ?? 500), 500);
    const after = req.query.after ? String(req.query.after) : undefined;
    const all = [...associationsOf(portal, from, String(req.params.objectId))].sort((a, b) => Number(a[0]) - Number(b[0]));
    const start = after ? all.findIndex(([id]) => Number(id) > Number(after)) : 0;
    const page = start < 0 ? [] : all.slice(start, start + limit);
    const body: Record<string, unknown> = {
      results: page.map(([id, types]) => ({ toObjectId: id, associationTypes: labelsFor(types) })),
    };
    const last = page[page.length - 1];
    if (start >= 0 && start + limit < all.length && last) body.paging = { next: { after: last[0], link: `?after=${last[0]}` } };
    res.json(body);
  }));

  r.put('/crm/v4/objects/:fromObjectType/:fromObjectId/associations/default/:toObjectType/:toObjectId', scopes('fromObjectType', 'toObjectType'), handle((req, res) => {
    const { portal } = authed(res);
    const { from, to } = pair(req, 'fromObjectType', 'toObjectType');
    const fromId = String(req.params.fromObjectId);
    const toId = String(req.params.toObjectId);
    if (!ensure(portal, from, fromId) || !ensure(portal, to, toId)) throw errors.notFound('One or both objects do not exist');
    const [contactId, companyId] = from === 'contacts' ? [fromId, toId] : [toId, fromId];
    associate(portal, contactId, companyId, false);
    const now = new Date().toISOString();
    const typeId = from === 'contacts' ? ASSOC.contactToCompany : ASSOC.companyToContact;
    const revTypeId = from === 'contacts' ? ASSOC.companyToContact : ASSOC.contactToCompany;
    res.json({
      status: 'COMPLETE', startedAt: now, completedAt: now,
      results: [
        { from: { id: fromId }, to: { id: toId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId } },
        { from: { id: toId }, to: { id: fromId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: revTypeId } },
      ],
    });
  }));

  r.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', scopes('fromObjectType', 'toObjectType'), json, handle((req, res) => {
    const { portal } = authed(res);
    const { from } = pair(req, 'fromObjectType', 'toObjectType');
    const inputs = (req.body as { inputs?: { id?: string }[] })?.inputs;
    if (!Array.isArray(inputs)) throw errors.validation('inputs must be an array');
    if (inputs.length > 1000) throw errors.validation(`Batch input size ${inputs.length} exceeds the maximum of 1000.`);
    const startedAt = new Date().toISOString();
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const inp of inputs) {
      const id = String(inp?.id ?? '');
      const links = [...associationsOf(portal, from, id)];
      if (!links.length) { missing.push(id); continue; }
      results.push({ from: { id }, to: links.map(([toId, types]) => ({ toObjectId: toId, associationTypes: labelsFor(types) })) });
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (missing.length) {
      body.numErrors = missing.length;
      body.errors = missing.map((id) => ({ status: 'error', category: 'OBJECT_NOT_FOUND', message: `No ${from} is associated with ${from.slice(0, -1)} ${id}.`, context: { fromObjectId: [id] }, errors: [], links: {} }));
      return res.status(207).json(body);
    }
    res.json(body);
  }));

  r.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/associate/default', scopes('fromObjectType', 'toObjectType'), json, handle((req, res) => {
    const { portal } = authed(res);
    const { from } = pair(req, 'fromObjectType', 'toObjectType');
    const inputs = (req.body as { inputs?: { from?: { id?: string }; to?: { id?: string } }[] })?.inputs;
    if (!Array.isArray(inputs)) throw errors.validation('inputs must be an array');
    const startedAt = new Date().toISOString();
    const results: unknown[] = [];
    for (const inp of inputs) {
      const fromId = String(inp?.from?.id ?? '');
      const toId = String(inp?.to?.id ?? '');
      const [contactId, companyId] = from === 'contacts' ? [fromId, toId] : [toId, fromId];
      if (!portal.objects.contacts.get(contactId) || !portal.objects.companies.get(companyId)) continue;
      associate(portal, contactId, companyId, false);
      const typeId = from === 'contacts' ? ASSOC.contactToCompany : ASSOC.companyToContact;
      results.push({ from: { id: fromId }, to: { id: toId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId } });
    }
    res.json({ status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() });
  }));

  r.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/archive', scopes('fromObjectType', 'toObjectType'), json, handle((req, res) => {
    const { portal } = authed(res);
    const { from } = pair(req, 'fromObjectType', 'toObjectType');
    const inputs = (req.body as { inputs?: { from?: { id?: string }; to?: { id?: string }[] }[] })?.inputs ?? [];
    for (const inp of inputs) {
      for (const t of inp.to ?? []) {
        const [contactId, companyId] = from === 'contacts' ? [String(inp.from?.id), String(t.id)] : [String(t.id), String(inp.from?.id)];
        dissociate(portal, contactId, companyId);
      }
    }
    res.status(204).end();
  }));

  return r;
}
