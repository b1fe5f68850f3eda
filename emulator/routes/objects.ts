import type { ServerResponse } from 'node:http';
import { type Request, type Response, Router } from 'express';
import { jsonBody } from '../json-body';
import { associationsOf, v3AssociationType } from '../associations';
import { authed, handle, requireScopes, type EmulatorContext } from '../context';
import { parsePropertyList, serializeRecord, validateInputs, type ChangeSource, type CrmService } from '../crm';
import { errors, sendJson } from '../errors';
import { compileSearch, type SearchBody } from '../search';
import { parseObjectType, SINGULAR, type CrmRecord, type ObjectType, type Portal } from '../state';

const MAX_BATCH = 100;
const MAX_LIST = 100;

function objectType(req: Request): ObjectType {
  const t = parseObjectType(String(req.params.objectType));
  if (!t) throw errors.notFound(`Unable to infer object type from: ${req.params.objectType}`);
  return t;
}

function scope(access: 'read' | 'write') {
  return (req: Request, res: Response, next: () => void) => {
    const t = parseObjectType(String(req.params.objectType));
    if (!t) return next();
    return requireScopes(`crm.objects.${t}.${access}`)(req, res, next);
  };
}

export function batchInputs(body: unknown): Record<string, unknown>[] {
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs)) throw errors.validation('inputs must be an array', { context: { inputs: ['required'] } });
  if (inputs.length > MAX_BATCH) {
    throw errors.validation(`Batch input size ${inputs.length} exceeds the maximum of ${MAX_BATCH}.`, { context: { inputs: [String(inputs.length)] } });
  }
  return inputs as Record<string, unknown>[];
}

function batchResponse(res: Response | ServerResponse, okStatus: number, startedAt: string, results: unknown[], missing: string[], type: ObjectType) {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
  if (missing.length) {
    body.numErrors = 1;
    body.errors = [{
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
      context: { ids: missing },
      errors: [],
      links: {},
    }];
    return sendJson(res, 207, body);
  }
  return sendJson(res, okStatus, body);
}

function withAssociations(portal: Portal, type: ObjectType, rec: CrmRecord, out: Record<string, unknown>, assocTypes: string[] | undefined) {
  if (!assocTypes?.length) return out;
  const associations: Record<string, unknown> = {};
  for (const raw of assocTypes) {
    const to = parseObjectType(raw);
    if (!to || to === type) continue;
    const results: { id: string; type: string }[] = [];
    for (const [id, types] of associationsOf(portal, type, rec.id)) {
      for (const t of [...types].sort((a, b) => a - b)) results.push({ id, type: v3AssociationType(type, t) });
    }
    if (results.length) associations[to] = { results };
  }
  if (Object.keys(associations).length) out.associations = associations;
  return out;
}

export function batchRead(portal: Portal, type: ObjectType, reqBody: unknown, res: Response | ServerResponse): void {
  const startedAt = new Date().toISOString();
  const inputs = batchInputs(reqBody);
  const body = reqBody as { properties?: string[]; idProperty?: string };
  const results: unknown[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const id = String(input.id ?? '');
    if (seen.has(id)) continue;
    seen.add(id);
    let rec: CrmRecord | undefined;
    if (body.idProperty && body.idProperty !== 'hs_object_id') {
      rec = portal.objects[type].order.find((x) => !x.archived && x.properties[body.idProperty!] === id);
    } else rec = portal.objects[type].get(id);
    if (rec) results.push(serializeRecord(rec, type, body.properties));
    else missing.push(id);
  }
  batchResponse(res, 200, startedAt, results, missing, type);
}

/** All-or-nothing on invalid values (400); missing or archived ids come back as a 207. */
export function batchUpdate(crm: CrmService, portal: Portal, type: ObjectType, reqBody: unknown, source: ChangeSource, res: Response | ServerResponse): void {
  const startedAt = new Date().toISOString();
  const inputs = batchInputs(reqBody);
  const ids = inputs.map((i) => String(i.id ?? ''));
  if (new Set(ids).size !== ids.length) {
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    throw errors.validation(`Duplicate IDs found in batch input: [${dup}]. IDs must be unique`);
  }
  const cleaned = validateInputs(portal, type, inputs.map((inp) => ({ ref: String(inp.id), properties: (inp.properties ?? {}) as Record<string, unknown> })));
  const results: unknown[] = [];
  const missing: string[] = [];
  inputs.forEach((inp, i) => {
    const rec = portal.objects[type].get(String(inp.id));
    if (!rec) return void missing.push(String(inp.id));
    crm.update(portal, type, rec, cleaned[i]!, source);
    results.push(serializeRecord(rec, type, Object.keys(cleaned[i]!)));
  });
  batchResponse(res, 200, startedAt, results, missing, type);
}

export function objectRoutes(ctx: EmulatorContext): Router {
  const r = Router({ mergeParams: true });
  const { crm, state } = ctx;
  const json = jsonBody(10 * 1024 * 1024);
  const source = (res: Response): ChangeSource => ({ kind: 'INTEGRATION', appId: authed(res).auth.appId });

  r.get('/:objectType', scope('read'), handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) throw errors.validation(`limit must be between 1 and ${MAX_LIST}`);
    const archived = req.query.archived === 'true';
    const after = req.query.after === undefined ? 0 : Number(req.query.after);
    if (!Number.isFinite(after)) throw errors.validation(`Invalid after=${req.query.after}`);
    const props = parsePropertyList(req.query.properties);
    const assoc = parsePropertyList(req.query.associations);
    const store = portal.objects[type];
    const results: unknown[] = [];
    let i = store.indexAfter(after);
    let last: CrmRecord | undefined;
    for (; i < store.order.length && results.length < limit; i++) {
      const rec = store.order[i]!;
      if (rec.archived !== archived) continue;
      results.push(withAssociations(portal, type, rec, serializeRecord(rec, type, props), assoc));
      last = rec;
    }
    let more = false;
    for (; i < store.order.length; i++) if (store.order[i]!.archived === archived) { more = true; break; }
    const body: Record<string, unknown> = { results };
    if (more && last) body.paging = { next: { after: last.id, link: `?after=${last.id}` } };
    res.json(body);
  }));

  r.post('/:objectType/search', scope('read'), json, handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const s = compileSearch(type, (req.body ?? {}) as SearchBody, portal.properties[type]);
    const hits: { id: string; p: Record<string, string>; rec: CrmRecord }[] = [];
    for (const rec of portal.objects[type].order) {
      const p = crm.searchView(rec);
      if (p && s.match(p)) hits.push({ id: rec.id, p, rec });
    }
    hits.sort(s.compare);
    const page = hits.slice(s.offset, s.offset + s.limit);
    const body: Record<string, unknown> = {
      total: hits.length,
      results: page.map((h) => serializeRecord(h.rec, type, s.properties, h.p)),
    };
    const next = s.offset + s.limit;
    if (next < hits.length && s.limit > 0) body.paging = { next: { after: String(next), link: `?after=${next}` } };
    res.json(body);
  }));

  r.post('/:objectType/batch/read', scope('read'), json, handle((req, res) => {
    batchRead(authed(res).portal, objectType(req), req.body, res);
  }));

  r.post('/:objectType/batch/create', scope('write'), json, handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const startedAt = new Date().toISOString();
    const inputs = batchInputs(req.body);
    const cleaned = validateInputs(portal, type, inputs.map((inp, i) => ({ ref: String(i), properties: (inp.properties ?? {}) as Record<string, unknown> })));
    const results = cleaned.map((values) => serializeRecord(crm.create(portal, type, values, source(res)), type, Object.keys(values)));
    batchResponse(res, 201, startedAt, results, [], type);
  }));

  r.post('/:objectType/batch/update', scope('write'), json, handle((req, res) => {
    batchUpdate(crm, authed(res).portal, objectType(req), req.body, source(res), res);
  }));

  r.post('/:objectType/batch/archive', scope('write'), json, handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    for (const inp of batchInputs(req.body)) {
      const rec = portal.objects[type].get(String(inp.id));
      if (rec) crm.archive(rec);
    }
    res.status(204).end();
  }));

  r.post('/:objectType', scope('write'), json, handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const [values] = validateInputs(portal, type, [{ ref: 'new', properties: (req.body?.properties ?? {}) as Record<string, unknown> }]);
    const rec = crm.create(portal, type, values!, source(res));
    res.status(201).json(serializeRecord(rec, type, Object.keys(values!)));
  }));

  r.get('/:objectType/:id', scope('read'), handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const rec = portal.objects[type].get(String(req.params.id));
    if (!rec) throw errors.notFound();
    const out = serializeRecord(rec, type, parsePropertyList(req.query.properties));
    res.json(withAssociations(portal, type, rec, out, parsePropertyList(req.query.associations)));
  }));

  r.patch('/:objectType/:id', scope('write'), json, handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const rec = portal.objects[type].get(String(req.params.id));
    if (!rec) throw errors.notFound();
    const [values] = validateInputs(portal, type, [{ ref: rec.id, properties: (req.body?.properties ?? {}) as Record<string, unknown> }]);
    crm.update(portal, type, rec, values!, source(res));
    res.json(serializeRecord(rec, type, Object.keys(values!)));
  }));

  r.delete('/:objectType/:id', scope('write'), handle((req, res) => {
    const type = objectType(req);
    const { portal } = authed(res);
    const rec = portal.objects[type].get(String(req.params.id));
    if (rec) crm.archive(rec);
    void state;
    res.status(204).end();
  }));

  return r;
}
