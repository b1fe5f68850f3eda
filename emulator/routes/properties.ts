import { type Request, type Response, Router } from 'express';
import { jsonBody } from '../json-body';
import { authed, handle, requireScopes, type EmulatorContext } from '../context';
import { errors } from '../errors';
import { parseObjectType, type ObjectType, type Portal, type PropertyDef, type PropertyOption } from '../state';

/** HubSpot's valid type → fieldType pairs (platform.md §5). */
export const VALID_FIELD_TYPES: Record<string, string[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
};

const NAME = /^[a-z][a-z0-9_]*$/;

function objectType(req: Request): ObjectType {
  const t = parseObjectType(String(req.params.objectType));
  if (!t) throw errors.notFound(`Unable to infer object type from: ${req.params.objectType}`);
  return t;
}

function readScope(req: Request, res: Response, next: () => void) {
  const t = parseObjectType(String(req.params.objectType)) ?? 'companies';
  return requireScopes(`crm.schemas.${t}.read`, `crm.objects.${t}.read`, `crm.schemas.${t}.write`)(req, res, next);
}
function writeScope(req: Request, res: Response, next: () => void) {
  const t = parseObjectType(String(req.params.objectType)) ?? 'companies';
  return requireScopes(`crm.schemas.${t}.write`)(req, res, next);
}

function normalizeOptions(raw: unknown, where: string): PropertyOption[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw errors.validation(`${where}.options must be an array`);
  const seen = new Set<string>();
  return raw.map((o, i) => {
    const opt = o as Partial<PropertyOption>;
    if (typeof opt.label !== 'string' || typeof opt.value !== 'string' || !opt.value) {
      throw errors.validation(`${where}.options[${i}] needs a string label and a non-empty string value`);
    }
    if (seen.has(opt.value)) throw errors.validation(`${where}.options has the value "${opt.value}" twice`);
    seen.add(opt.value);
    return { label: opt.label, value: opt.value, hidden: !!opt.hidden, displayOrder: opt.displayOrder ?? i, ...(opt.description ? { description: opt.description } : {}) };
  });
}

/** Validates a PropertyCreate as HubSpot does and returns the stored definition. */
export function buildProperty(portal: Portal, type: ObjectType, body: Record<string, unknown>, where = 'property'): PropertyDef {
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((k) => typeof body[k] !== 'string' || !body[k]);
  if (missing.length) throw errors.validation(`${where} is missing required fields: ${missing.join(', ')}`, { context: { missing } });
  const name = String(body.name);
  if (!NAME.test(name) || name.length > 100) throw errors.validation(`${where}.name "${name}" must start with a letter and contain only lowercase letters, digits and underscores`);
  const t = String(body.type);
  const ft = String(body.fieldType);
  if (!VALID_FIELD_TYPES[t]) throw errors.validation(`${where}.type "${t}" is not one of ${Object.keys(VALID_FIELD_TYPES).join(', ')}`);
  if (!VALID_FIELD_TYPES[t]!.includes(ft)) throw errors.validation(`${where}.fieldType "${ft}" is not valid for type "${t}"; valid: ${VALID_FIELD_TYPES[t]!.join(', ')}`);
  const groupName = String(body.groupName);
  if (!portal.groups[type].has(groupName)) throw errors.validation(`${where}.groupName "${groupName}" does not exist`);
  const options = normalizeOptions(body.options, where);
  if (t === 'enumeration' && ft !== 'booleancheckbox' && options.length === 0) throw errors.validation(`${where}.options are required for enumeration properties`);
  const now = new Date().toISOString();
  return {
    name, label: String(body.label), type: t, fieldType: ft, description: String(body.description ?? ''), groupName, options,
    displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1, calculated: false, externalOptions: false,
    hasUniqueValue: !!body.hasUniqueValue, hidden: !!body.hidden, hubspotDefined: false, formField: body.formField !== false,
    archived: false, createdAt: now, updatedAt: now,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
  };
}

function serialize(p: PropertyDef) {
  const { hubspotDefined, ...rest } = p;
  return hubspotDefined ? p : rest;
}

export function propertyRoutes(ctx: EmulatorContext): Router {
  const r = Router({ mergeParams: true });
  const json = jsonBody(5 * 1024 * 1024);
  void ctx;

  r.get('/:objectType/groups', readScope, handle((req, res) => {
    const { portal } = authed(res);
    res.json({ results: [...portal.groups[objectType(req)].values()].filter((g) => !g.archived) });
  }));
  r.post('/:objectType/groups', writeScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const type = objectType(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.name !== 'string' || !NAME.test(b.name) || typeof b.label !== 'string') throw errors.validation('group needs a lowercase name and a label');
    if (portal.groups[type].get(b.name)?.archived === false) {
      throw errors.conflict(`A property group named '${b.name}' already exists.`, 'CONFLICT');
    }
    const g = { name: b.name, label: b.label, displayOrder: typeof b.displayOrder === 'number' ? b.displayOrder : -1, archived: false };
    portal.groups[type].set(g.name, g);
    res.status(201).json(g);
  }));
  r.get('/:objectType/groups/:groupName', readScope, handle((req, res) => {
    const { portal } = authed(res);
    const g = portal.groups[objectType(req)].get(String(req.params.groupName));
    if (!g || g.archived) throw errors.notFound(`Property group ${req.params.groupName} does not exist`);
    res.json(g);
  }));
  r.patch('/:objectType/groups/:groupName', writeScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const g = portal.groups[objectType(req)].get(String(req.params.groupName));
    if (!g || g.archived) throw errors.notFound(`Property group ${req.params.groupName} does not exist`);
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.label === 'string') g.label = b.label;
    if (typeof b.displayOrder === 'number') g.displayOrder = b.displayOrder;
    res.json(g);
  }));
  r.delete('/:objectType/groups/:groupName', writeScope, handle((req, res) => {
    const { portal } = authed(res);
    const g = portal.groups[objectType(req)].get(String(req.params.groupName));
    if (g) g.archived = true;
    res.status(204).end();
  }));

  r.get('/:objectType', readScope, handle((req, res) => {
    const { portal } = authed(res);
    const archived = req.query.archived === 'true';
    const wanted = req.query.properties ? new Set(String(req.query.properties).split(',')) : null;
    const results = [...portal.properties[objectType(req)].values()]
      .filter((p) => p.archived === archived && (!wanted || wanted.has(p.name)))
      .map(serialize);
    res.json({ results });
  }));

  r.post('/:objectType/batch/read', readScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const type = objectType(req);
    const startedAt = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { name?: string }[] }).inputs;
    if (!Array.isArray(inputs)) throw errors.validation('inputs must be an array');
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const i of inputs) {
      const p = portal.properties[type].get(String(i?.name));
      if (p && !p.archived) results.push(serialize(p));
      else missing.push(String(i?.name));
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (missing.length) {
      body.numErrors = missing.length;
      body.errors = missing.map((name) => ({ status: 'error', category: 'OBJECT_NOT_FOUND', message: `Unable to find property ${name}`, context: { name: [name] }, errors: [], links: {} }));
      return res.status(207).json(body);
    }
    res.json(body);
  }));

  r.post('/:objectType/batch/create', writeScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const type = objectType(req);
    const startedAt = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: Record<string, unknown>[] }).inputs;
    if (!Array.isArray(inputs)) throw errors.validation('inputs must be an array');
    if (inputs.length > 100) throw errors.validation(`Batch input size ${inputs.length} exceeds the maximum of 100.`);
    // Validate all first: a bad definition fails the batch without creating any of it.
    const defs = inputs.map((inp, i) => buildProperty(portal, type, inp, `inputs[${i}]`));
    const results: PropertyDef[] = [];
    const conflicts: string[] = [];
    for (const d of defs) {
      const existing = portal.properties[type].get(d.name);
      if (existing && !existing.archived) conflicts.push(d.name);
      else { portal.properties[type].set(d.name, d); results.push(d); }
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results: results.map(serialize), startedAt, completedAt: new Date().toISOString() };
    if (conflicts.length) {
      body.numErrors = conflicts.length;
      body.errors = conflicts.map((name) => ({ status: 'error', category: 'OBJECT_ALREADY_EXISTS', message: `A property named '${name}' already exists.`, context: { name: [name] }, errors: [], links: {} }));
      return res.status(207).json(body);
    }
    res.status(201).json(body);
  }));

  r.post('/:objectType/batch/archive', writeScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const type = objectType(req);
    for (const i of ((req.body ?? {}) as { inputs?: { name?: string }[] }).inputs ?? []) {
      const p = portal.properties[type].get(String(i?.name));
      if (p && !p.hubspotDefined) p.archived = true;
    }
    res.status(204).end();
  }));

  r.post('/:objectType', writeScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const type = objectType(req);
    const d = buildProperty(portal, type, (req.body ?? {}) as Record<string, unknown>);
    const existing = portal.properties[type].get(d.name);
    if (existing && !existing.archived) {
      throw errors.conflict(`A property named '${d.name}' already exists.`);
    }
    portal.properties[type].set(d.name, d);
    res.status(201).json(serialize(d));
  }));

  r.get('/:objectType/:propertyName', readScope, handle((req, res) => {
    const { portal } = authed(res);
    const p = portal.properties[objectType(req)].get(String(req.params.propertyName));
    if (!p || (p.archived && req.query.archived !== 'true')) throw errors.notFound(`Unable to find property ${req.params.propertyName}`);
    res.json(serialize(p));
  }));

  r.patch('/:objectType/:propertyName', writeScope, json, handle((req, res) => {
    const { portal } = authed(res);
    const type = objectType(req);
    const p = portal.properties[type].get(String(req.params.propertyName));
    if (!p || p.archived) throw errors.notFound(`Unable to find property ${req.params.propertyName}`);
    if (p.modificationMetadata.readOnlyDefinition) throw errors.validation(`Property ${p.name} has a read-only definition and cannot be changed`);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const nextType = typeof b.type === 'string' ? b.type : p.type;
    const nextField = typeof b.fieldType === 'string' ? b.fieldType : p.fieldType;
    if (!VALID_FIELD_TYPES[nextType]?.includes(nextField)) throw errors.validation(`fieldType "${nextField}" is not valid for type "${nextType}"`);
    if (b.options !== undefined) {
      const options = normalizeOptions(b.options, 'property');
      // HubSpot refuses to drop an option that records still use.
      const kept = new Set(options.map((o) => o.value));
      const dropped = p.options.filter((o) => !kept.has(o.value)).map((o) => o.value);
      if (dropped.length) {
        const inUse = dropped.filter((v) => portal.objects[type].order.some((r) => !r.archived && (r.properties[p.name] ?? '').split(';').includes(v)));
        if (inUse.length) throw errors.validation(`Cannot remove options that are in use: ${inUse.join(', ')}`);
      }
      p.options = options;
    }
    for (const k of ['label', 'description', 'groupName'] as const) if (typeof b[k] === 'string') p[k] = b[k] as string;
    if (typeof b.displayOrder === 'number') p.displayOrder = b.displayOrder;
    if (typeof b.hidden === 'boolean') p.hidden = b.hidden;
    p.type = nextType;
    p.fieldType = nextField;
    p.updatedAt = new Date().toISOString();
    res.json(serialize(p));
  }));

  r.delete('/:objectType/:propertyName', writeScope, handle((req, res) => {
    const { portal } = authed(res);
    const p = portal.properties[objectType(req)].get(String(req.params.propertyName));
    if (!p || p.archived) throw errors.notFound(`Unable to find property ${req.params.propertyName}`);
    if (p.hubspotDefined) throw errors.validation(`HubSpot-defined property ${p.name} cannot be deleted`);
    p.archived = true;
    res.status(204).end();
  }));

  return r;
}
