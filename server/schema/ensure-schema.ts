import type { Client } from '@hubspot/api-client';
import { PROPERTY_GROUP, propertiesFor, type CatalogProperty, type ObjectType } from './catalog';
import { CONTACT_SCHEMA_SCOPE } from '../hubspot/scopes';
import type { ErrorCode } from '../errors/codes';

/**
 * Makes a portal's kustiq group and 37 properties match the catalog. On a portal that
 * already has them it only reads (one call for groups, one for properties, per object).
 * A property that exists with another type/fieldType is reported (ERR_SCHEMA_CONFLICT)
 * and left alone; one locked read-only is reported (ERR_PROPERTY_READONLY); the rest
 * proceed. Missing enumeration options are added; options are never removed.
 */
export interface PropertyState {
  objectType: ObjectType;
  name: string;
  status: 'ok' | 'conflict' | 'read_only' | 'missing_scope';
  code: ErrorCode | null;
  detail: string | null;
}

export interface SchemaReport {
  /** HubSpot requests made (they count against the portal's rate window). */
  requests: number;
  created: string[];
  optionsAdded: { name: string; values: string[] }[];
  groupCreated: ObjectType[];
  states: PropertyState[];
}

interface HubSpotProperty {
  name: string;
  type: string;
  fieldType: string;
  options?: { label: string; value: string; hidden?: boolean; displayOrder?: number }[];
  modificationMetadata?: { readOnlyValue?: boolean };
  archived?: boolean;
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

export async function ensureSchema(client: Client, grantedScopes: readonly string[]): Promise<SchemaReport> {
  const report: SchemaReport = { requests: 0, created: [], optionsAdded: [], groupCreated: [], states: [] };
  for (const objectType of ['companies', 'contacts'] as const) {
    const catalog = propertiesFor(objectType);
    if (objectType === 'contacts' && !grantedScopes.includes(CONTACT_SCHEMA_SCOPE)) {
      for (const p of catalog) {
        report.states.push({ objectType, name: p.name, status: 'missing_scope', code: 'ERR_SCOPE_MISSING', detail: `HubSpot needs ${CONTACT_SCHEMA_SCOPE} to create contact properties` });
      }
      continue;
    }
    report.requests++;
    const groups = await client.crm.properties.groupsApi.getAll(objectType);
    if (!groups.results.some((g) => g.name === PROPERTY_GROUP.name && !g.archived)) {
      report.requests++;
      await client.crm.properties.groupsApi.create(objectType, { name: PROPERTY_GROUP.name, label: PROPERTY_GROUP.label, displayOrder: PROPERTY_GROUP.displayOrder });
      report.groupCreated.push(objectType);
    }
    const existing = new Map(
      ((report.requests++, await client.crm.properties.coreApi.getAll(objectType)).results as unknown as HubSpotProperty[]).filter((p) => !p.archived).map((p) => [p.name, p]),
    );
    const missing = catalog.filter((p) => !existing.has(p.name));
    for (let i = 0; i < missing.length; i += 100) {
      const batch = missing.slice(i, i + 100);
      report.requests++;
      await client.crm.properties.batchApi.create(objectType, { inputs: batch.map(createInput) });
      report.created.push(...batch.map((p) => `${objectType}.${p.name}`));
    }
    for (const p of catalog) {
      const found = existing.get(p.name);
      if (!found) {
        report.states.push({ objectType, name: p.name, status: 'ok', code: null, detail: null });
        continue;
      }
      if (found.type !== p.type || found.fieldType !== p.fieldType) {
        report.states.push({
          objectType, name: p.name, status: 'conflict', code: 'ERR_SCHEMA_CONFLICT',
          detail: `exists as ${found.type}/${found.fieldType}; Kustiq needs ${p.type}/${p.fieldType}. Delete it in HubSpot and the next sync recreates it.`,
        });
        continue;
      }
      if (found.modificationMetadata?.readOnlyValue) {
        report.states.push({ objectType, name: p.name, status: 'read_only', code: 'ERR_PROPERTY_READONLY', detail: 'locked read-only in HubSpot; Kustiq skips it until it is unlocked' });
        continue;
      }
      const have = new Set((found.options ?? []).map((o) => o.value));
      const add = (p.options ?? []).filter((o) => !have.has(o.value));
      if (add.length) {
        const options = [
          ...(found.options ?? []).map((o) => ({ label: o.label, value: o.value, hidden: !!o.hidden, displayOrder: o.displayOrder ?? 0 })),
          ...add.map((o, i) => ({ label: o.label, value: o.value, hidden: false, displayOrder: (found.options?.length ?? 0) + i })),
        ];
        report.requests++;
        await client.crm.properties.coreApi.update(objectType, p.name, { options });
        report.optionsAdded.push({ name: `${objectType}.${p.name}`, values: add.map((o) => o.value) });
      }
      report.states.push({ objectType, name: p.name, status: 'ok', code: null, detail: null });
    }
  }
  return report;
}
