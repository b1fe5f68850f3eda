import type { Knex } from 'knex';
import type { HubSpotPort } from '../hubspot/port';
import type { BatchRow } from './batch-writer';
import type { Pending, RunNotice, RunRow, SyncCounts, SyncCursor } from './run-model';
import { recordCompaniesStale, recordCompanyFailures, recordCompanyWrites, recordContactsStale, recordContactWrites, type Recorder } from './write-records';

/**
 * The end of every sync step: what the step did, committed in one transaction with the
 * run's new cursor and counts, so a worker killed at any point loses nothing and the
 * next one continues from the last committed step. The step result is data: the
 * checkpoint records it (written records and their events, failures, restores due) and
 * only then moves the run on.
 */
export interface StepResult {
  cursor: SyncCursor;
  counts: SyncCounts;
  batches: BatchRow[];
  /** HubSpot's clock: when this step's writes landed. */
  landed?: [number, number];
  companies?: {
    written: Pending[];
    failed: { id: string; code: string }[];
    /** HubSpot already holds Kustiq's values, Kustiq's record of them was missing: recorded, no event (nothing was written). */
    recorded: Pending[];
    /** Written by a worker lost before its checkpoint (HubSpot carries its stamp): recorded now with their events. */
    lostWrites: Pending[];
    /** Recorded written, but HubSpot holds other values: not enriched until written again. */
    stale: string[];
  };
  contacts?: { written: Pending[]; recordOnly: Pending[]; stale: string[] };
  notices?: RunNotice[];
}

/** Adds per-second request counts to a run's; keeps the last hour (the chart's span). */
export function mergeSeconds(stored: Record<string, [number, number]>, add: [number, [number, number]][]): Record<string, [number, number]> {
  const out = { ...stored };
  for (const [sec, [g, q]] of add) {
    const cur = out[sec] ?? [0, 0];
    out[sec] = [cur[0] + g, cur[1] + q];
  }
  const keys = Object.keys(out).map(Number).sort((a, b) => a - b);
  for (const k of keys.slice(0, Math.max(0, keys.length - 3600))) delete out[k];
  return out;
}

export async function checkpoint(knex: Knex, port: HubSpotPort, recorder: Recorder, run: RunRow, step: StepResult): Promise<void> {
  // Requests made while this commits (a read-ahead) belong to the next checkpoint.
  const requests = port.tally.requests;
  const http429 = port.tally.http429;
  const seconds = [...port.tally.seconds];
  port.tally.seconds.clear();
  const now = new Date();
  const cursor: SyncCursor = { ...step.cursor, seq: run.cursor.seq + step.batches.length };
  await knex.transaction(async (trx) => {
    if (step.companies) {
      const c = step.companies;
      await recordCompaniesStale(trx, recorder.connectionId, c.stale);
      await recordCompanyWrites(trx, recorder, c.lostWrites, now);
      await recordCompanyWrites(trx, recorder, c.recorded, now, { events: false });
      await recordCompanyWrites(trx, recorder, c.written, now);
      await recordCompanyFailures(trx, recorder.connectionId, c.failed);
    }
    if (step.contacts) {
      await recordContactsStale(trx, recorder.connectionId, step.contacts.stale);
      await recordContactWrites(trx, recorder, [...step.contacts.written, ...step.contacts.recordOnly], now);
    }
    if (seconds.length) {
      const row = await trx('sync_runs').where({ id: run.id }).first('request_seconds');
      await trx('sync_runs').where({ id: run.id }).update({ request_seconds: JSON.stringify(mergeSeconds(row?.request_seconds ?? {}, seconds)) });
    }
    let seq = run.cursor.seq;
    for (const b of step.batches) {
      seq++;
      await trx('sync_batches').insert({ run_id: run.id, seq, object_type: b.objectType, status: b.written === b.records ? 'written' : b.written ? 'partial' : 'failed', records: b.records, written: b.written, skipped: JSON.stringify(b.skipped), ms: Math.round(b.ms) });
    }
    await trx('sync_runs').where({ id: run.id }).update({
      cursor: JSON.stringify(cursor), counts: JSON.stringify(step.counts),
      requests: trx.raw('requests + ?', [requests]), http429: trx.raw('http429 + ?', [http429]),
      ...(step.notices?.length ? { notices: JSON.stringify([...(run.notices ?? []), ...step.notices]) } : {}),
      ...(step.landed ? {
        first_write_at: trx.raw('coalesce(first_write_at, ?)', [new Date(step.landed[0])]),
        last_write_at: trx.raw('greatest(last_write_at, ?)', [new Date(step.landed[1])]),
      } : {}),
    });
  });
  run.cursor = cursor;
  run.counts = step.counts;
  if (step.notices?.length) run.notices = [...(run.notices ?? []), ...step.notices];
  port.tally.requests -= requests;
  port.tally.http429 -= http429;
}
