import { HubSpotError, errors } from './errors';
import { DEFAULT_READ_PROPERTIES } from './default-properties';
import type { CrmRecord, EmulatorState, ObjectType, Portal, PropertyDef } from './state';

/** Who made a change: the app through the API, or a person in HubSpot's UI (admin API). */
export interface ChangeSource {
  kind: 'INTEGRATION' | 'CRM_UI' | 'IMPORT';
  appId?: number;
}

export interface ChangeEvent {
  portalId: number;
  objectType: ObjectType;
  objectId: string;
  change: 'creation' | 'propertyChange';
  propertyName?: string;
  propertyValue?: string;
  occurredAt: number;
  source: ChangeSource;
}

export interface ChangeListener {
  (e: ChangeEvent): void;
  /** Whether anyone would receive changes on this portal; writes skip building events otherwise. */
  wants?: (portalId: number) => boolean;
}

export interface PropertyValueError {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
  /** Which input (record id, or index for creates) carried the bad value. */
  recordRef?: string;
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function bad(p: PropertyDef, error: string, message: string): PropertyValueError {
  return { isValid: false, message, error, name: p.name, localizedErrorMessage: message };
}

const OPTION_SETS = new WeakMap<PropertyDef['options'], Set<string>>();
/** Option values as a set, cached per options array (PATCH replaces the array). */
function optionSet(p: PropertyDef): Set<string> {
  let set = OPTION_SETS.get(p.options);
  if (!set) OPTION_SETS.set(p.options, (set = new Set(p.options.map((o) => o.value))));
  return set;
}

/** HubSpot's value validation (including the 2025 rule: no padding on non-string values). */
export function validateValue(p: PropertyDef, value: string, opts: { allowReadOnly?: boolean } = {}): { ok: true; value: string } | { ok: false; err: PropertyValueError } {
  if (p.modificationMetadata.readOnlyValue && !opts.allowReadOnly) {
    return { ok: false, err: bad(p, 'READ_ONLY_VALUE', `"${p.name}" is a read only property; its value cannot be set.`) };
  }
  if (value === '') return { ok: true, value };
  if (p.type !== 'string' && value.trim() !== value) {
    return { ok: false, err: bad(p, 'INVALID_VALUE', `${value} has leading or trailing whitespace, which is not allowed for ${p.type} properties`) };
  }
  switch (p.type) {
    case 'number':
      if (!NUMBER.test(value) || !Number.isFinite(Number(value))) {
        return { ok: false, err: bad(p, 'INVALID_DECIMAL', `${value} is not a valid number.`) };
      }
      return { ok: true, value };
    case 'bool':
      if (value !== 'true' && value !== 'false') {
        return { ok: false, err: bad(p, 'INVALID_BOOLEAN', `${value} is not a valid boolean.`) };
      }
      return { ok: true, value };
    case 'date':
    case 'datetime': {
      let ms: number;
      if (/^\d+$/.test(value)) ms = Number(value);
      else if (DATE_ONLY.test(value) || !Number.isNaN(Date.parse(value))) ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
      else return { ok: false, err: bad(p, 'INVALID_DATE', `${value} is not a valid date.`) };
      if (!Number.isFinite(ms)) return { ok: false, err: bad(p, 'INVALID_DATE', `${value} is not a valid date.`) };
      if (p.type === 'date' && ms % 86_400_000 !== 0) {
        return { ok: false, err: bad(p, 'INVALID_DATE', `${value} is not at midnight UTC, as a date property requires.`) };
      }
      // HubSpot stores and returns dates as ISO strings.
      return { ok: true, value: p.type === 'date' ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString() };
    }
    case 'enumeration': {
      const allowed = optionSet(p);
      const parts = p.fieldType === 'checkbox' ? value.split(';') : [value];
      for (const part of parts) {
        if (!allowed.has(part)) {
          const list = p.options.map((o) => o.value).join(', ');
          return { ok: false, err: bad(p, 'INVALID_OPTION', `${part} was not one of the allowed options: [${list}]`) };
        }
      }
      return { ok: true, value };
    }
    default:
      if (value.length > 65_536) return { ok: false, err: bad(p, 'INVALID_VALUE', `value of ${p.name} is longer than 65536 characters`) };
      return { ok: true, value };
  }
}

export function validationError(errs: PropertyValueError[]): HubSpotError {
  const plain = errs.map(({ recordRef: _r, ...e }) => e);
  return errors.validation(`Property values were not valid: ${JSON.stringify(plain)}`, {
    errors: errs.map((e) => ({
      message: e.message,
      code: e.error,
      context: { propertyName: [e.name], ...(e.recordRef ? { id: [e.recordRef] } : {}) },
    })),
  });
}

/** Validates every input's values; returns cleaned values or throws one 400 listing every problem. */
export function validateInputs(
  portal: Portal,
  type: ObjectType,
  inputs: { ref: string; properties: Record<string, unknown> }[],
  opts: { allowReadOnly?: boolean } = {},
): Record<string, string>[] {
  const defs = portal.properties[type];
  const problems: PropertyValueError[] = [];
  const cleaned = inputs.map(({ ref, properties }) => {
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(properties ?? {})) {
      const p = defs.get(name);
      if (!p || p.archived) {
        const msg = `Property "${name}" does not exist`;
        problems.push({ isValid: false, message: msg, error: 'PROPERTY_DOESNT_EXIST', name, localizedErrorMessage: msg, recordRef: ref });
        continue;
      }
      const value = raw === null || raw === undefined ? '' : String(raw);
      const v = validateValue(p, value, opts);
      if (v.ok) out[name] = v.value;
      else problems.push({ ...v.err, recordRef: ref });
    }
    return out;
  });
  if (problems.length) throw validationError(problems);
  return cleaned;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CrmService {
  constructor(
    private readonly state: EmulatorState,
    private readonly onChange: ChangeListener,
  ) {}

  private lastModifiedProps(type: ObjectType): string[] {
    return type === 'contacts' ? ['lastmodifieddate', 'hs_lastmodifieddate'] : ['hs_lastmodifieddate'];
  }

  create(portal: Portal, type: ObjectType, values: Record<string, string>, source: ChangeSource, at = this.state.clock.now(), emit = true): CrmRecord {
    const store = portal.objects[type];
    const id = String(store.nextId++);
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== '') properties[k] = v;
    properties.hs_object_id = id;
    properties.createdate = iso(at);
    for (const p of this.lastModifiedProps(type)) properties[p] = iso(at);
    const delay = this.state.settings.searchDelayMs;
    const rec: CrmRecord = {
      id, properties, createdAt: at, updatedAt: at, archived: false,
      indexAt: at + delay, indexedProperties: delay > 0 ? null : properties,
    };
    store.insert(rec);
    if (!emit || (this.onChange.wants && !this.onChange.wants(portal.portalId))) return rec;
    this.onChange({ portalId: portal.portalId, objectType: type, objectId: id, change: 'creation', occurredAt: at, source });
    for (const [k, v] of Object.entries(properties)) {
      if (!['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'lastmodifieddate'].includes(k)) {
        this.onChange({ portalId: portal.portalId, objectType: type, objectId: id, change: 'propertyChange', propertyName: k, propertyValue: v, occurredAt: at, source });
      }
    }
    return rec;
  }

  /** Applies values; hs_lastmodifieddate moves on every write, as on HubSpot. */
  update(portal: Portal, type: ObjectType, rec: CrmRecord, values: Record<string, string>, source: ChangeSource): CrmRecord {
    const at = Math.max(this.state.clock.now(), rec.updatedAt + 1);
    const delay = this.state.settings.searchDelayMs;
    if (delay > 0 && this.state.clock.now() >= rec.indexAt) {
      rec.indexedProperties = { ...rec.properties };
    }
    const changed: [string, string][] = [];
    for (const [k, v] of Object.entries(values)) {
      const before = rec.properties[k] ?? '';
      if (before === v) continue;
      if (v === '') delete rec.properties[k];
      else rec.properties[k] = v;
      changed.push([k, v]);
    }
    rec.updatedAt = at;
    for (const p of this.lastModifiedProps(type)) rec.properties[p] = iso(at);
    rec.indexAt = at + delay;
    if (delay === 0) rec.indexedProperties = rec.properties;
    if (this.onChange.wants && !this.onChange.wants(portal.portalId)) return rec;
    for (const [k, v] of changed) {
      this.onChange({ portalId: portal.portalId, objectType: type, objectId: rec.id, change: 'propertyChange', propertyName: k, propertyValue: v, occurredAt: at, source });
    }
    return rec;
  }

  archive(rec: CrmRecord): void {
    rec.archived = true;
    rec.archivedAt = this.state.clock.now();
  }

  /** What search sees now: the indexed snapshot until the index delay has passed. */
  searchView(rec: CrmRecord): Record<string, string> | null {
    if (rec.archived) return null;
    if (this.state.clock.now() >= rec.indexAt) return rec.properties;
    return rec.indexedProperties;
  }
}

/** HubSpot's record shape: requested properties, null when the record has no value. */
export function serializeRecord(
  rec: CrmRecord,
  type: ObjectType,
  requested: string[] | undefined,
  props: Record<string, string> = rec.properties,
): Record<string, unknown> {
  const names = requested && requested.length ? requested : DEFAULT_READ_PROPERTIES[type];
  const properties: Record<string, string | null> = {};
  for (const n of names) properties[n] = props[n] ?? null;
  const out: Record<string, unknown> = {
    id: rec.id,
    properties,
    createdAt: rec.properties.createdate ?? iso(rec.createdAt),
    updatedAt: rec.properties.hs_lastmodifieddate ?? iso(rec.updatedAt),
    archived: rec.archived,
  };
  if (rec.archived && rec.archivedAt) out.archivedAt = iso(rec.archivedAt);
  return out;
}

export function parsePropertyList(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  // A property repeated more than 20 times reaches express' query parser as an object (qs' arrayLimit), not an array.
  const list = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' ? Object.values(raw) : [raw];
  const parts = list.flatMap((v) => String(v).split(','));
  return parts.map((s) => s.trim()).filter(Boolean);
}
