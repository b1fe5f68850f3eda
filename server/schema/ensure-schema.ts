import { PROPERTY_GROUP, propertiesFor, type CatalogProperty, type ObjectType } from './catalog';
import { CONTACT_SCHEMA_SCOPE } from '../hubspot/scopes';
import type { ErrorCode } from '../errors/codes';
import type { HubSpotPort, HubSpotProperty } from '../hubspot/port';

/**
 * Makes a portal's kustiq group and 37 properties match the catalog. On a portal that
 * already has them it only reads (one call for groups, one for properties, per object).
 * A property that exists with another type/fieldType is reported (ERR_SCHEMA_CONFLICT)
 * and left alone; one locked read-only is reported (ERR_PROPERTY_READONLY); the rest
 * proceed. Missing enumeration options are added; options are never removed. Every
 * request goes through the port, so the portal's budget counts it.
 */
export interface PropertyState {
  objectType: ObjectType;
  name: string;
  status: 'ok' | 'conflict' | 'read_only' | 'missing_scope';
  code: ErrorCode | null;
  detail: string | null;
}

export interface SchemaReport {
  /** HubSpot requests made (through the port: the portal's budget counted them). */
  requests: number;
  created: string[];
  optionsAdded: { name: string; values: string[] }[];
  groupCreated: ObjectType[];
  states: PropertyState[];
}

function createInput(p: CatalogProperty) {
  return {
    name: p.name,
    label: p.label,
    description: p.description,
    groupName: PROPERTY_GROUP.name,
    type: p.type as never,
    fieldType: p.fieldType as never,
    ...(p.options ? { options: p.options.map((o, i) => ({ label: o.label, value: o.value, hidden: false, displayOrder: i })) } : {}),
  };
}

function stateOf(objectType: ObjectType, p: CatalogProperty, found: HubSpotProperty): PropertyState | 'options' {
  if (found.type !== p.type || found.fieldType !== p.fieldType) {
    return {
      objectType, name: p.name, status: 'conflict', code: 'ERR_SCHEMA_CONFLICT',
      detail: `exists as ${found.type}/${found.fieldType}; Kustiq needs ${p.type}/${p.fieldType}. Delete it in HubSpot and the next sync recreates it.`,
    };
  }
  if (found.modificationMetadata?.readOnlyValue) {
    return { objectType, name: p.name, status: 'read_only', code: 'ERR_PROPERTY_READONLY', detail: 'locked read-only in HubSpot; Kustiq skips it until it is unlocked' };
  }
  return 'options';
}

export async function ensureSchema(port: HubSpotPort, grantedScopes: readonly string[]): Promise<SchemaReport> {
  const report: SchemaReport = { requests: 0, created: [], optionsAdded: [], groupCreated: [], states: [] };
  const before = port.tally.requests;
  for (const objectType of ['companies', 'contacts'] as const) {
    const catalog = propertiesFor(objectType);
    if (objectType === 'contacts' && !grantedScopes.includes(CONTACT_SCHEMA_SCOPE)) {
      for (const p of catalog) {
        report.states.push({ objectType, name: p.name, status: 'missing_scope', code: 'ERR_SCOPE_MISSING', detail: `HubSpot needs ${CONTACT_SCHEMA_SCOPE} to create contact properties` });
      }
      continue;
    }
    const groups = await port.propertyGroups(objectType);
    if (!groups.some((g) => g.name === PROPERTY_GROUP.name && !g.archived)) {
      await port.createPropertyGroup(objectType, { name: PROPERTY_GROUP.name, label: PROPERTY_GROUP.label, displayOrder: PROPERTY_GROUP.displayOrder });
      report.groupCreated.push(objectType);
    }
    const existing = new Map((await port.properties(objectType)).filter((p) => !p.archived).map((p) => [p.name, p]));
    const missing = catalog.filter((p) => !existing.has(p.name));
    const created = new Set<string>();
    for (let i = 0; i < missing.length; i += 100) {
      const batch = missing.slice(i, i + 100);
      const res = await port.createProperties(objectType, batch.map(createInput));
      for (const name of res.created) { created.add(name); report.created.push(`${objectType}.${name}`); }
      // A 207: read per property. One that exists after all (made meanwhile) is checked like any existing one.
      for (const r of res.refused) {
        const found = await port.getProperty(objectType, r.name);
        if (found && !found.archived) existing.set(r.name, found);
      }
    }
    for (const p of catalog) {
      const found = existing.get(p.name);
      if (!found) {
        report.states.push(created.has(p.name)
          ? { objectType, name: p.name, status: 'ok', code: null, detail: null }
          : { objectType, name: p.name, status: 'conflict', code: 'ERR_SCHEMA_CONFLICT', detail: 'HubSpot did not create it; the next schema check tries again' });
        continue;
      }
      const state = stateOf(objectType, p, found);
      if (state !== 'options') {
        report.states.push(state);
        continue;
      }
      const have = new Set((found.options ?? []).map((o) => o.value));
      const add = (p.options ?? []).filter((o) => !have.has(o.value));
      if (add.length) {
        const options = [
          ...(found.options ?? []).map((o) => ({ label: o.label, value: o.value, hidden: !!o.hidden, displayOrder: o.displayOrder ?? 0 })),
          ...add.map((o, i) => ({ label: o.label, value: o.value, hidden: false, displayOrder: (found.options?.length ?? 0) + i })),
        ];
        await port.updatePropertyOptions(objectType, p.name, options);
        report.optionsAdded.push({ name: `${objectType}.${p.name}`, values: add.map((o) => o.value) });
      }
      report.states.push({ objectType, name: p.name, status: 'ok', code: null, detail: null });
    }
  }
  report.requests = port.tally.requests - before;
  return report;
}
