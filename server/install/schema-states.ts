import type { Knex } from 'knex';
import type { SchemaReport } from '../schema/ensure-schema';

/** Stores the latest schema check per property (what the dashboard and sync read). */
export async function recordSchemaStates(knex: Knex, connectionId: string, report: SchemaReport): Promise<void> {
  if (!report.states.length) return;
  await knex('property_states')
    .insert(report.states.map((s) => ({ connection_id: connectionId, object_type: s.objectType, name: s.name, status: s.status, code: s.code, detail: s.detail, checked_at: new Date() })))
    .onConflict(['connection_id', 'object_type', 'name'])
    .merge(['status', 'code', 'detail', 'checked_at']);
}
