import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { Keyring } from '../vault/crypto';
import { nextAttemptAt, verdictOf } from './retry-policy';
import { deliveryBody, SIGNATURE_HEADER, signBody, type WireEvent } from './signing';
import type { Sender, SendResult } from './http-sender';
import { signingSecrets, type SigningSecrets } from './webhook-secrets';

/**
 * Attempts deliveries: each body stamped now and signed with the secret its endpoint last
 * accepted (during a rotation, a refused signature is re-signed at once with the other
 * secret), posted, and the outcome recorded: delivered; retried on the schedule; or, when
 * the receiver refuses (a 4xx but 408/429), the target is not public, or 24 hours have
 * passed, dropped into the dead-letter log. The event id never changes, so receivers can
 * deduplicate. Deliveries are claimed, loaded and recorded a batch at a time (a few
 * queries per batch, not per delivery) and sent concurrently: the caller keeps each
 * endpoint within its concurrency limit.
 */
export interface DeliveryDeps {
  knex: Knex;
  keyring: Keyring;
  log: Logger;
  send: Sender;
  now?: () => Date;
}

export interface AttemptOutcome {
  deliveryId: string;
  outcome: 'delivered' | 'retry' | 'refused' | 'dropped' | 'skipped';
  nextAttemptAt?: Date;
  status?: number | null;
}

interface Row {
  id: string; attempts: number; created_at: Date;
  endpoint_id: string; url: string; enabled: boolean; signing: 'current' | 'previous'; workspace_id: string;
  event_id: string; type: string; portal_id: string | null; object_type: string | null; object_id: string | null; profile_id: string | null; properties: Record<string, string>;
}

const RESIGN_ON = new Set([400, 401, 403]);

/** A claimed delivery is not attempted by anyone else for this long (a lost worker's claim lapses; the sweeper re-queues it). */
export const CLAIM_MS = 30_000;

export async function deliverBatch(deps: DeliveryDeps, deliveryIds: string[]): Promise<AttemptOutcome[]> {
  const now = deps.now ?? (() => new Date());
  // Claim what is due: a job run twice (or a sweeper's extra job) finds nothing to do.
  const t = now();
  const claimed: string[] = (await deps.knex('webhook_deliveries').whereIn('id', deliveryIds).where({ status: 'pending' })
    .andWhere((q) => q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', new Date(t.getTime() + 1000)))
    .update({ next_attempt_at: new Date(t.getTime() + CLAIM_MS) }).returning('id')).map((r: { id: string }) => r.id);
  const outcomes: AttemptOutcome[] = deliveryIds.filter((id) => !claimed.includes(id)).map((deliveryId) => ({ deliveryId, outcome: 'skipped' as const }));
  if (!claimed.length) return outcomes;
  const rows: Row[] = await deps.knex('webhook_deliveries as d').join('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id').join('webhook_events as e', 'e.id', 'd.event_id')
    .whereIn('d.id', claimed)
    .select('d.id', 'd.attempts', 'd.created_at', 'd.endpoint_id', 'ep.url', 'ep.enabled', 'ep.signing', 'ep.workspace_id',
      'd.event_id', 'e.type', 'e.portal_id', 'e.object_type', 'e.object_id', 'e.profile_id', 'e.properties');
  const secrets = new Map<string, SigningSecrets | null>();
  for (const ws of new Set(rows.map((r) => r.workspace_id))) secrets.set(ws, await signingSecrets(deps.knex, deps.keyring, ws, now()));
  const results: { row: Row; at: Date; res: SendResult; body: string; signature: string; used: 'current' | 'previous' }[] = [];
  await Promise.all(rows.map(async (row) => {
    const attempt = async () => {
      const sec = secrets.get(row.workspace_id);
      const at = now();
      const event: WireEvent = { id: row.event_id, type: row.type, workspaceId: row.workspace_id, portalId: row.portal_id === null ? null : Number(row.portal_id), objectType: row.object_type, objectId: row.object_id, profileId: row.profile_id, properties: row.properties };
      const body = deliveryBody(event, at);
      if (!sec) {
        results.push({ row, at, body, signature: '', used: 'current', res: { status: null, error: 'the workspace has no webhook secret', latencyMs: 0 } });
        return;
      }
      const order: ('current' | 'previous')[] = sec.previous ? (row.signing === 'previous' ? ['previous', 'current'] : ['current', 'previous']) : ['current'];
      for (let i = 0; i < order.length; i++) {
        const used = order[i]!;
        const signature = signBody(used === 'current' ? sec.current : sec.previous!, body);
        const res = await deps.send(row.url, body, { [SIGNATURE_HEADER]: signature });
        const last = i === order.length - 1 || !(res.status !== null && RESIGN_ON.has(res.status));
        if (last) {
          results.push({ row, at, body, signature, used, res });
          return;
        }
      }
    };
    if (!row.enabled) {
      results.push({ row, at: now(), body: '', signature: '', used: 'current', res: { status: null, error: 'endpoint disabled', latencyMs: 0, refusedTarget: true } });
      return;
    }
    await attempt();
  }));
  if (!results.length) return outcomes;

  const updates = results.map(({ row, at, res, body, signature, used }) => {
    const attempts = row.attempts + 1;
    const verdict = res.refusedTarget ? 'refused' : verdictOf(res.status);
    const next = verdict === 'retry' ? nextAttemptAt(attempts, row.created_at, at) : null;
    const outcome: AttemptOutcome['outcome'] = verdict === 'delivered' ? 'delivered' : verdict === 'refused' ? 'refused' : next ? 'retry' : 'dropped';
    outcomes.push({ deliveryId: row.id, outcome, nextAttemptAt: next ?? undefined, status: res.status });
    return {
      id: row.id, attempts, at, status: outcome === 'delivered' ? 'delivered' : outcome === 'retry' ? 'pending' : outcome === 'refused' ? 'failed' : 'dropped',
      next: next, last_status: res.status, last_error: res.error, latency: res.latencyMs, body, signature, used, endpoint: row.endpoint_id, signing: row.signing, outcome,
      reason: outcome === 'refused' ? (res.refusedTarget ? res.error : `the receiver answered ${res.status}`) : outcome === 'dropped' ? `undelivered 24 hours after the event (last: ${res.status ?? res.error})` : null,
    };
  });
  await deps.knex.transaction(async (trx) => {
    await trx('webhook_attempts').insert(updates.map((u) => ({ delivery_id: u.id, attempt: u.attempts, at: u.at, status: u.last_status, error: u.last_error, latency_ms: u.latency })));
    await trx.raw(
      `UPDATE webhook_deliveries d SET status = x.status, attempts = x.attempts, next_attempt_at = x.next, last_status = x.last_status, last_error = x.last_error,
         last_latency_ms = x.latency, last_body = x.body, last_signature = x.signature, last_secret = x.used,
         delivered_at = CASE WHEN x.status = 'delivered' THEN x.at ELSE d.delivered_at END
       FROM jsonb_to_recordset(?::jsonb) AS x(id uuid, status text, attempts int, next timestamptz, last_status int, last_error text, latency int, body text, signature text, used text, at timestamptz)
       WHERE d.id = x.id`,
      [JSON.stringify(updates.map(({ id, status, attempts, next, last_status, last_error, latency, body, signature, used, at }) => ({ id, status, attempts, next, last_status, last_error, latency, body, signature: signature || null, used, at })))],
    );
    const dead = updates.filter((u) => u.reason);
    if (dead.length) await trx('webhook_dead_letters').insert(dead.map((u) => ({ delivery_id: u.id, reason: u.reason, attempts: u.attempts, dropped_at: u.at })));
    // A receiver that took a delivery signed with the other secret has switched: sign with that from now on.
    const switched = new Map(updates.filter((u) => u.outcome === 'delivered' && u.used !== u.signing).map((u) => [u.endpoint, u.used]));
    for (const [endpoint, used] of switched) await trx('webhook_endpoints').where({ id: endpoint }).update({ signing: used });
  });
  for (const u of updates) {
    if (u.outcome === 'dropped' || u.outcome === 'refused') deps.log.warn({ deliveryId: u.id, endpointId: u.endpoint, attempts: u.attempts, reason: u.reason }, 'webhook delivery dropped (dead-letter log)');
  }
  return outcomes;
}
