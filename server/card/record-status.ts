import { ERROR_CODES, type ErrorCode } from '../errors/codes';

/**
 * What the CRM card shows for one record, from what Kustiq knows: the match and its state
 * (enriched, waiting for credits, in review, unmatched, skipped, rejected, not synced), the
 * problem's code with its troubleshooting link, the best candidate in review, the last
 * sync time, and a "Sync now" in flight, in one query.
 */
export type CardStatus = 'enriched' | 'queued' | 'waiting' | 'failed' | 'review' | 'unmatched' | 'skipped' | 'rejected' | 'not_synced';

export interface CardProblem { code: string; title: string; action: string; docUrl: string }

export interface RecordStatusView {
  objectType: 'companies' | 'contacts';
  objectId: string;
  status: CardStatus;
  problem: CardProblem | null;
  match: { confidence: number; method: string | null; bestCandidate: { profileId: string; name: string; domain: string | null; confidence: number } | null } | null;
  lastSyncAt: string | null;
  sync: { id: string; status: string } | null;
}

export function problemOf(code: string | null, docsBase: string): CardProblem | null {
  if (!code) return null;
  const known = ERROR_CODES[code as ErrorCode];
  return known
    ? { code, title: known.title, action: known.action, docUrl: `${docsBase}#${known.anchor}` }
    : { code, title: 'HubSpot refused the write', action: 'See the Sync page for the batch and its reason.', docUrl: docsBase };
}

/** Runs one named (prepared once per connection) statement and returns its rows. */
export type StatementRunner = (name: string, text: string, values: unknown[]) => Promise<Record<string, any>[]>;

export async function recordStatus(query: StatementRunner, connectionId: string, objectType: 'companies' | 'contacts', objectId: string, docsBase: string): Promise<RecordStatusView> {
  // One round trip: the record's row and a sync in flight (the card is read on every record view).
  const rows = await query(
    `card-status-${objectType}`,
    objectType === 'companies'
      ? `SELECT m.status, m.confidence, m.method, m.candidates->0 AS best, m.written_at, m.write_error, m.written_hash IS NOT NULL AS written,
           CASE WHEN m.status <> 'matched' THEN (SELECT json_build_object('name', p.name, 'domain', p.domain) FROM profiles p WHERE p.id = m.candidates->0->>'profileId') END AS best_profile,
           (SELECT json_build_object('id', rs.id, 'status', rs.status) FROM record_syncs rs WHERE rs.connection_id = x.c AND rs.object_type = 'companies' AND rs.record_id = x.r AND rs.status IN ('queued', 'running') ORDER BY rs.created_at DESC LIMIT 1) AS sync,
           m.company_id IS NOT NULL AS found
         FROM (SELECT $1::uuid AS c, $2::text AS r) x LEFT JOIN company_matches m ON m.connection_id = x.c AND m.company_id = x.r`
      : `SELECT w.written_at, w.write_error,
           (SELECT json_build_object('id', rs.id, 'status', rs.status) FROM record_syncs rs WHERE rs.connection_id = x.c AND rs.object_type = 'contacts' AND rs.record_id = x.r AND rs.status IN ('queued', 'running') ORDER BY rs.created_at DESC LIMIT 1) AS sync
         FROM (SELECT $1::uuid AS c, $2::text AS r) x LEFT JOIN contact_writes w ON w.connection_id = x.c AND w.contact_id = x.r`,
    [connectionId, objectId],
  );
  const row = rows[0]!;
  const sync = row.sync ? { id: row.sync.id as string, status: row.sync.status as string } : null;
  if (objectType === 'contacts') {
    const status: CardStatus = row.written_at ? 'enriched' : row.write_error ? 'failed' : 'not_synced';
    return { objectType, objectId, status, problem: problemOf(row.write_error ?? null, docsBase), match: null, lastSyncAt: row.written_at ? new Date(row.written_at).toISOString() : null, sync };
  }
  if (!row.found) return { objectType, objectId, status: 'not_synced', problem: null, match: null, lastSyncAt: null, sync };
  const best = row.best as { profileId: string; confidence: number } | null;
  const match = {
    confidence: row.confidence as number, method: (row.method as string) ?? null,
    bestCandidate: best && row.best_profile ? { profileId: best.profileId, name: row.best_profile.name as string, domain: (row.best_profile.domain as string) ?? null, confidence: best.confidence } : null,
  };
  const lastSyncAt = row.written_at ? new Date(row.written_at).toISOString() : null;
  let status: CardStatus;
  let code: string | null = null;
  if (row.status === 'matched') {
    if (row.write_error === 'ERR_QUOTA_FREE' && !row.written) { status = 'waiting'; code = 'ERR_QUOTA_FREE'; }
    else if (row.write_error && !row.written) { status = 'failed'; code = row.write_error; }
    else status = row.written ? 'enriched' : 'queued';
  } else if (row.status === 'skipped') { status = 'skipped'; code = 'ERR_DOMAIN_EMPTY'; }
  else { status = row.status as CardStatus; code = 'ERR_MATCH_LOW'; }
  return { objectType, objectId, status, problem: problemOf(code, docsBase), match, lastSyncAt, sync };
}
