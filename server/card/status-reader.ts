import type { Knex } from 'knex';
import type pg from 'pg';
import type { StatusRow } from './record-status';
import { RECORD_SYNC_STALE_MS } from '../worker/record-jobs';

/**
 * Reads the card's status rows, many records per round trip. The card is read on every
 * record view (HubSpot allows 20 fetches at once per account, and many accounts share a
 * backend), so lookups that arrive in the same turn of the event loop go to Postgres as
 * one named statement over arrays: one parse-free round trip instead of one each. A
 * lookup waits at most one event-loop turn for its batch.
 */
export type ObjectType = 'companies' | 'contacts';

/** Runs one named (prepared once per connection) statement and returns its rows. */
export type StatementRunner = (name: string, text: string, values: unknown[]) => Promise<Record<string, any>[]>;

/** Named statements on knex's pool: parsed and planned once per database connection. */
export function namedStatements(knex: Knex): StatementRunner {
  return async (name, text, values) => {
    const conn = (await knex.client.acquireConnection()) as pg.PoolClient;
    try {
      return (await conn.query({ name, text, values })).rows;
    } finally {
      await knex.client.releaseConnection(conn);
    }
  };
}

// A stale row (its workers gone) is no sync in flight: the card offers Sync now again.
const SYNC_IN_FLIGHT = (objectType: ObjectType) =>
  `(SELECT json_build_object('id', rs.id, 'status', rs.status) FROM record_syncs rs
     WHERE rs.connection_id = x.c AND rs.object_type = '${objectType}' AND rs.record_id = x.r AND rs.status IN ('queued', 'running')
       AND rs.created_at > now() - make_interval(secs => ${RECORD_SYNC_STALE_MS / 1000})
     ORDER BY rs.created_at DESC LIMIT 1) AS sync`;

const STATEMENTS: Record<ObjectType, string> = {
  companies: `SELECT x.i, m.company_id IS NOT NULL AS found, m.status, m.confidence, m.method, m.candidates->0 AS best,
      m.written_at, m.write_error, m.written_hash IS NOT NULL AS written,
      CASE WHEN m.status <> 'matched' THEN (SELECT json_build_object('name', p.name, 'domain', p.domain) FROM profiles p WHERE p.id = m.candidates->0->>'profileId') END AS best_profile,
      ${SYNC_IN_FLIGHT('companies')}
    FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS x(c, r, i)
    LEFT JOIN company_matches m ON m.connection_id = x.c AND m.company_id = x.r`,
  contacts: `SELECT x.i, w.contact_id IS NOT NULL AS found, w.written_at, w.write_error, ${SYNC_IN_FLIGHT('contacts')}
    FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS x(c, r, i)
    LEFT JOIN contact_writes w ON w.connection_id = x.c AND w.contact_id = x.r`,
};

interface Lookup { connectionId: string; objectId: string; resolve: (row: StatusRow) => void; reject: (err: unknown) => void }

export class StatusReader {
  private readonly waiting: Record<ObjectType, Lookup[]> = { companies: [], contacts: [] };
  private scheduled = false;

  constructor(private readonly run: StatementRunner, private readonly maxBatch = 500) {}

  read(connectionId: string, objectType: ObjectType, objectId: string): Promise<StatusRow> {
    return new Promise((resolve, reject) => {
      this.waiting[objectType].push({ connectionId, objectId, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    for (const objectType of ['companies', 'contacts'] as const) {
      const all = this.waiting[objectType];
      this.waiting[objectType] = [];
      for (let at = 0; at < all.length; at += this.maxBatch) void this.readBatch(objectType, all.slice(at, at + this.maxBatch));
    }
  }

  private async readBatch(objectType: ObjectType, batch: Lookup[]): Promise<void> {
    try {
      const rows = await this.run(`card-status-${objectType}`, STATEMENTS[objectType], [batch.map((l) => l.connectionId), batch.map((l) => l.objectId)]);
      // Ordinality is 1-based and every lookup has its row (LEFT JOIN): answer each by its position.
      const answered = new Array<boolean>(batch.length).fill(false);
      for (const row of rows) {
        const at = Number(row.i) - 1;
        answered[at] = true;
        batch[at]!.resolve(row as StatusRow);
      }
      answered.forEach((ok, at) => { if (!ok) batch[at]!.reject(new Error(`card status: no row for ${objectType} ${batch[at]!.objectId}`)); });
    } catch (err) {
      for (const l of batch) l.reject(err);
    }
  }
}
