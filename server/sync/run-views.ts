import type { Knex } from 'knex';
import { emptyCounts, type RunNotice, type SyncCounts } from './run-model';

/** What the dashboard and the API show of runs and their batches. */
export interface RunView {
  id: string;
  kind: string;
  status: string;
  phase: string;
  counts: SyncCounts;
  requests: number;
  http429: number;
  /** Requests per epoch second, [general, search]. */
  requestSeconds: Record<string, [number, number]>;
  errorCode: string | null;
  errorDetail: string | null;
  /** What the run said once about itself (e.g. contacts skipped for a missing scope). */
  notices: RunNotice[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface BatchView { seq: number; objectType: string; status: string; records: number; written: number; skipped: Record<string, number>; ms: number; at: Date }

function runView(r: Record<string, any>): RunView {
  return {
    id: r.id, kind: r.kind, status: r.status, phase: r.cursor?.phase ?? 'companies', counts: { ...emptyCounts(), ...r.counts }, requests: r.requests, http429: r.http429, requestSeconds: r.request_seconds ?? {},
    errorCode: r.error_code ?? null, errorDetail: r.error_detail ?? null, notices: r.notices ?? [], createdAt: r.created_at, startedAt: r.started_at ?? null, finishedAt: r.finished_at ?? null,
  };
}

export async function recentRuns(knex: Knex, connectionId: string, limit = 20): Promise<RunView[]> {
  return (await knex('sync_runs').where({ connection_id: connectionId }).orderBy('created_at', 'desc').limit(limit)).map(runView);
}

export async function runDetail(knex: Knex, connectionId: string, runId: string): Promise<{ run: RunView; batches: BatchView[]; skipped: Record<string, number> } | null> {
  const r = await knex('sync_runs').where({ id: runId, connection_id: connectionId }).first();
  if (!r) return null;
  const batches: BatchView[] = (await knex('sync_batches').where({ run_id: runId }).orderBy('seq')).map((b) => ({
    seq: b.seq, objectType: b.object_type, status: b.status, records: b.records, written: b.written, skipped: b.skipped, ms: b.ms, at: b.at,
  }));
  const skipped: Record<string, number> = {};
  for (const b of batches) for (const [code, n] of Object.entries(b.skipped)) skipped[code] = (skipped[code] ?? 0) + n;
  return { run: runView(r), batches, skipped };
}
