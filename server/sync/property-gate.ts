import type { Knex } from 'knex';
import type { ErrorCode } from '../errors/codes';
import type { RefusedProperty } from '../hubspot/port';
import { propertiesFor, type ObjectType } from '../schema/catalog';

/**
 * Which kustiq_* properties a portal's writes may carry: those whose last known state
 * (the schema check's, or a write HubSpot refused) is ok. A property read-only, of another
 * type or missing for want of a scope stays out of every payload, so one bad property
 * never fails a batch; HubSpot refusing one mid-run closes it for the rest of the run and
 * records its state (the dashboard and the demo show the code).
 */
export interface ClosedProperty { name: string; code: ErrorCode | null; detail: string | null }

export class PropertyGate {
  private constructor(private readonly connectionId: string, private readonly closed: Map<string, ClosedProperty>) {}

  static async load(knex: Knex, connectionId: string): Promise<PropertyGate> {
    const rows: { object_type: string; name: string; code: ErrorCode | null; detail: string | null }[] = await knex('property_states')
      .where({ connection_id: connectionId }).whereNot({ status: 'ok' }).select('object_type', 'name', 'code', 'detail');
    return new PropertyGate(connectionId, new Map(rows.map((r) => [`${r.object_type}.${r.name}`, { name: r.name, code: r.code, detail: r.detail }])));
  }

  /** A gate with every property open (pure code and tests). */
  static open(): PropertyGate {
    return new PropertyGate('', new Map());
  }

  hasClosed(): boolean {
    return this.closed.size > 0;
  }

  writable(objectType: ObjectType, name: string): boolean {
    return !this.closed.has(`${objectType}.${name}`);
  }

  /** The values without the properties that are closed. */
  filter<T extends Record<string, string>>(objectType: ObjectType, values: T): T {
    if (!this.closed.size) return values;
    return Object.fromEntries(Object.entries(values).filter(([k]) => this.writable(objectType, k))) as T;
  }

  /** Why nothing at all can be written for this object type (every catalog property closed), or null. */
  allClosed(objectType: ObjectType): ClosedProperty | null {
    const props = propertiesFor(objectType);
    if (!props.every((p) => !this.writable(objectType, p.name))) return null;
    return this.closed.get(`${objectType}.${props[0]!.name}`)!;
  }

  closedOf(objectType: ObjectType): ClosedProperty[] {
    return propertiesFor(objectType).flatMap((p) => this.closed.get(`${objectType}.${p.name}`) ?? []);
  }

  /** Properties HubSpot refused on a write: closed for this run and recorded as the portal's state. */
  async refuse(knex: Knex, refused: RefusedProperty[]): Promise<void> {
    const fresh = refused.filter((r) => this.writable(r.objectType, r.name));
    if (!fresh.length) return;
    for (const r of fresh) this.closed.set(`${r.objectType}.${r.name}`, { name: r.name, code: r.code, detail: r.detail });
    if (!this.connectionId) return;
    await knex('property_states')
      .insert(fresh.map((r) => ({ connection_id: this.connectionId, object_type: r.objectType, name: r.name, status: r.status, code: r.code, detail: r.detail, checked_at: new Date() })))
      .onConflict(['connection_id', 'object_type', 'name'])
      .merge(['status', 'code', 'detail', 'checked_at']);
  }
}
