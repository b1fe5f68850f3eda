import type { Knex } from 'knex';
import { refundCredits, spendCredits } from '../credits/credit-ledger';
import type { HubSpotPort, ObjectType } from '../hubspot/port';
import type { PropertyGate } from './property-gate';
import { BATCH, type Pending } from './run-model';

/**
 * Writes planned records to HubSpot in batches of 100: companies spend their credits first
 * (those the plan cannot pay for wait, ERR_QUOTA_FREE, until credits return; a restore in
 * the same period costs nothing), the intent of each company write is recorded (a lost
 * worker's write is recognised on the re-read), the batch goes through the port carrying
 * only properties whose state is ok (a property HubSpot refuses is closed for the portal
 * and the batch retried without it), and a credit spent on a record HubSpot then refuses
 * is given back. What was written is returned for the checkpoint, which records it and
 * queues its events in one transaction.
 */
export interface BatchRow { objectType: ObjectType; records: number; written: number; skipped: Record<string, number>; ms: number }

export interface WriteResult {
  batches: BatchRow[];
  written: Pending[];
  /** Records not written, by code (waiting for credits, or refused by HubSpot). */
  failed: { id: string; code: string }[];
  /** Of those, the ones HubSpot refused. */
  failedRecords: number;
  creditsSpent: number;
  waitingForCredits: number;
  optionsAdded: number;
  /** HubSpot's clock: when this step's writes landed (epoch ms). */
  landed?: [number, number];
  /** A company that had waited for credits went out (its contacts waited too). */
  waitedWent: boolean;
}

export interface WriterContext {
  knex: Knex;
  port: HubSpotPort;
  gate: PropertyGate;
  connectionId: string;
  credits: { workspaceId: string; metered: boolean; runId?: string };
}

/** Writes the carry's full batches (and, when `last`, the remainder); the carry keeps what did not fill a batch. */
export async function writeBatches(ctx: WriterContext, carry: Pending[], objectType: ObjectType, last: boolean): Promise<WriteResult> {
  const out: WriteResult = { batches: [], written: [], failed: [], failedRecords: 0, creditsSpent: 0, waitingForCredits: 0, optionsAdded: 0, waitedWent: false };
  while (carry.length >= BATCH || (last && carry.length)) {
    let chunk = carry.splice(0, BATCH);
    const t0 = performance.now();
    let spent = new Set<string>();
    let refused = 0;
    if (objectType === 'companies') {
      const paid = await spendCredits(ctx.knex, { ...ctx.credits, connectionId: ctx.connectionId, objectType, recordIds: chunk.map((c) => c.id) });
      out.creditsSpent += paid.spent;
      refused = paid.refused.length;
      if (refused) {
        out.waitingForCredits += refused;
        out.failed.push(...paid.refused.map((id) => ({ id, code: 'ERR_QUOTA_FREE' })));
        const ok = new Set(paid.granted);
        chunk = chunk.filter((c) => ok.has(c.id));
      }
      spent = new Set(paid.spentIds);
      if (!chunk.length) continue;
      await recordIntents(ctx.knex, ctx.connectionId, chunk);
    }
    const res = await ctx.port.writeBatch(objectType, chunk.map(({ id, properties }) => ({ id, properties: ctx.gate.filter(objectType, properties) })));
    await ctx.gate.refuse(ctx.knex, res.refusedProperties);
    out.optionsAdded += res.optionsAdded;
    // On HubSpot's clock (the records' new hs_lastmodifieddate), so the next run can leave exactly these out.
    if (res.landed) out.landed = [Math.min(out.landed?.[0] ?? Infinity, res.landed[0]), Math.max(out.landed?.[1] ?? -Infinity, res.landed[1])];
    const ok = new Set(res.written);
    // What HubSpot holds: without the properties it refused (events and fit values say only that).
    const written = chunk.filter((c) => ok.has(c.id)).map((c) => ({ ...c, properties: ctx.gate.filter(objectType, c.properties) }));
    out.written.push(...written);
    if (written.some((c) => c.waited)) out.waitedWent = true;
    out.failed.push(...res.failed);
    out.failedRecords += res.failed.length;
    const unpaid = chunk.filter((c) => !ok.has(c.id) && spent.has(c.id)).map((c) => c.id);
    if (unpaid.length) out.creditsSpent -= await refundCredits(ctx.knex, { workspaceId: ctx.credits.workspaceId, connectionId: ctx.connectionId, recordIds: unpaid });
    const skipped: Record<string, number> = {};
    if (res.gone.length) skipped.record_gone = res.gone.length;
    for (const f of res.failed) skipped[f.code] = (skipped[f.code] ?? 0) + 1;
    if (refused) skipped.ERR_QUOTA_FREE = refused;
    out.batches.push({ objectType, records: chunk.length + refused, written: res.written.length, skipped, ms: performance.now() - t0 });
  }
  return out;
}

async function recordIntents(knex: Knex, connectionId: string, chunk: Pending[]): Promise<void> {
  await knex('sync_intents')
    .insert(chunk.map((c) => ({ connection_id: connectionId, object_type: 'companies', record_id: c.id, hash: c.hash, stamp_ms: Number(c.properties.kustiq_last_synced_at) })))
    .onConflict(['connection_id', 'object_type', 'record_id']).merge();
}
