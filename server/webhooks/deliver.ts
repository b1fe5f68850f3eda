import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { Keyring } from '../vault/crypto';
import { GIVE_UP_AFTER_MS, nextAttemptAt, TIMEOUT_MS, verdictOf } from './retry-policy';
import { deliveryBody, SIGNATURE_HEADER, signBody, type WireEvent } from './signing';
import type { Sender, SendResult } from './http-sender';
import { decryptSecret, type SigningSecrets } from './webhook-secrets';

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
  /** A send that has not ended after this long is given up (default: the attempt's deadline + 2 s). */
  attemptGuardMs?: number;
}

/**
 * The sender ends every attempt within its deadline; this holds even for one that does not
 * (a bug, a stub), so a batch, and the dispatcher's slots with it, always comes back. The
 * abandoned attempt counts as no answer: retried, and the receiver may see the event twice.
 */
async function guarded(send: Promise<SendResult>, ms: number): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([send, new Promise<SendResult>((resolve) => {
      timer = setTimeout(() => resolve({ status: null, error: `the attempt did not end within ${ms / 1000} s`, latencyMs: ms }), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

export interface AttemptOutcome {
  deliveryId: string;
  outcome: 'delivered' | 'retry' | 'refused' | 'dropped' | 'skipped';
  nextAttemptAt?: Date;
  status?: number | null;
}

interface Row {
  id: string; attempts: number; created_at: Date;
  secret_enc: string | null; previous_enc: string | null;
  endpoint_id: string; url: string; enabled: boolean; signing: 'current' | 'previous'; workspace_id: string;
  event_id: string; type: string; portal_id: string | null; object_type: string | null; object_id: string | null; profile_id: string | null; properties: Record<string, string>;
}

const RESIGN_ON = new Set([400, 401, 403]);

/**
 * Plaintexts by what a ciphertext is bound to and the ciphertext itself, so a batch costs no
 * decrypts after the first. The binding is part of the key: a ciphertext copied into another
 * workspace's row is decrypted (and refused) there, never served from this cache.
 */
const plain = new Map<string, string>();
function decrypted(keyring: Keyring, ciphertext: string, workspaceId: string, which: 'current' | 'previous'): string {
  const key = `${workspaceId}:${which}:${ciphertext}`;
  let v = plain.get(key);
  if (v === undefined) {
    v = decryptSecret(keyring, ciphertext, workspaceId, which);
    if (plain.size > 10_000) plain.clear();
    plain.set(key, v);
  }
  return v;
}

/** A disabled endpoint's deliveries are not sent, nor lost: they look again this often, within their 24 hours. */
export const DISABLED_RECHECK_MS = 5 * 60_000;

async function holdForDisabled(deps: DeliveryDeps, rows: Row[], at: Date): Promise<AttemptOutcome[]> {
  const next = new Date(at.getTime() + DISABLED_RECHECK_MS);
  const expired = rows.filter((r) => next.getTime() - new Date(r.created_at).getTime() > GIVE_UP_AFTER_MS);
  const held = rows.filter((r) => !expired.includes(r));
  if (held.length) await deps.knex('webhook_deliveries').whereIn('id', held.map((r) => r.id)).update({ next_attempt_at: next, last_error: 'endpoint disabled' });
  if (expired.length) {
    await deps.knex.transaction(async (trx) => {
      await trx('webhook_deliveries').whereIn('id', expired.map((r) => r.id)).update({ status: 'dropped', next_attempt_at: null, last_error: 'endpoint disabled' });
      await trx('webhook_dead_letters').insert(expired.map((r) => ({ delivery_id: r.id, reason: 'the endpoint stayed disabled for 24 hours', attempts: r.attempts, dropped_at: at })));
    });
    for (const r of expired) deps.log.warn({ deliveryId: r.id, endpointId: r.endpoint_id, reason: 'endpoint disabled for 24 hours' }, 'webhook delivery dropped (dead-letter log)');
  }
  return [
    ...held.map((r) => ({ deliveryId: r.id, outcome: 'retry' as const, nextAttemptAt: next, status: null })),
    ...expired.map((r) => ({ deliveryId: r.id, outcome: 'dropped' as const, status: null })),
  ];
}

/** A claimed delivery is not attempted by anyone else for this long (a lost worker's claim lapses; the sweeper re-queues it). */
export const CLAIM_MS = 30_000;

/**
 * `lease`: when this attempt's claim lapses. A caller that tries the same batch again after
 * an error it cannot read (a connection dropped while the claim committed) passes the same
 * lease: deliveries it already claimed are recognised as its own, not skipped until the
 * claim lapses and the sweeper finds them minutes later.
 */
export async function deliverBatch(deps: DeliveryDeps, deliveryIds: string[], opts: { lease?: Date } = {}): Promise<AttemptOutcome[]> {
  const now = deps.now ?? (() => new Date());
  // Claim what is due and load it, in one statement: a job run twice (or a sweeper's extra job) finds nothing to do.
  const t = now();
  const lease = opts.lease ?? new Date(t.getTime() + CLAIM_MS);
  const { rows }: { rows: Row[] } = await deps.knex.raw(
    `WITH c AS (
       UPDATE webhook_deliveries d SET next_attempt_at = ? WHERE d.id = ANY(?::uuid[]) AND d.status = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ? OR d.next_attempt_at = ?)
       RETURNING d.id, d.attempts, d.created_at, d.endpoint_id, d.event_id)
     SELECT c.*, ep.url, ep.enabled, ep.signing, ep.workspace_id, e.type, e.portal_id, e.object_type, e.object_id, e.profile_id, e.properties,
       ws.secret_enc, CASE WHEN ws.previous_until > ? THEN ws.previous_enc END AS previous_enc
     FROM c JOIN webhook_endpoints ep ON ep.id = c.endpoint_id JOIN webhook_events e ON e.id = c.event_id
     LEFT JOIN webhook_secrets ws ON ws.workspace_id = ep.workspace_id`,
    [lease, deliveryIds, new Date(t.getTime() + 1000), lease, t],
  );
  const claimed = new Set(rows.map((r) => r.id));
  const outcomes: AttemptOutcome[] = deliveryIds.filter((id) => !claimed.has(id)).map((deliveryId) => ({ deliveryId, outcome: 'skipped' as const }));
  if (!rows.length) return outcomes;
  // The secrets come with the rows (always current: a rotation is seen by the next batch); decrypted once per ciphertext.
  const secrets = new Map<string, SigningSecrets | null>(rows.map((r) => [r.workspace_id, r.secret_enc
    ? { current: decrypted(deps.keyring, r.secret_enc, r.workspace_id, 'current'), previous: r.previous_enc ? decrypted(deps.keyring, r.previous_enc, r.workspace_id, 'previous') : null }
    : null]));
  const paused: Row[] = [];
  const results: { row: Row; at: Date; res: SendResult; body: string; signature: string; used: 'current' | 'previous' }[] = [];
  await Promise.all(rows.map(async (row) => {
    if (!row.enabled) {
      paused.push(row);
      return;
    }
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
      const res = await guarded(deps.send(row.url, body, { [SIGNATURE_HEADER]: signature }), deps.attemptGuardMs ?? TIMEOUT_MS + 2000);
      const last = i === order.length - 1 || !(res.status !== null && RESIGN_ON.has(res.status));
      if (last) {
        results.push({ row, at, body, signature, used, res });
        return;
      }
    }
  }));
  if (paused.length) outcomes.push(...(await holdForDisabled(deps, paused, now())));
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
  // One statement (atomic by itself): the attempts, the deliveries' new state, dead letters, and
  // the endpoints that took a delivery signed with the other secret (they have switched).
  await deps.knex.raw(
    `WITH x AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(id uuid, status text, attempts int, next timestamptz, last_status int, last_error text, latency int,
                 body text, signature text, used text, at timestamptz, reason text, endpoint uuid, switched boolean)),
     u AS (UPDATE webhook_deliveries d SET status = x.status, attempts = x.attempts, next_attempt_at = x.next, last_status = x.last_status, last_error = x.last_error,
             last_latency_ms = x.latency, last_body = x.body, last_signature = x.signature, last_secret = x.used,
             delivered_at = CASE WHEN x.status = 'delivered' THEN x.at ELSE d.delivered_at END
           FROM x WHERE d.id = x.id RETURNING d.id),
     dl AS (INSERT INTO webhook_dead_letters (delivery_id, reason, attempts, dropped_at) SELECT id, reason, attempts, at FROM x WHERE reason IS NOT NULL),
     sw AS (UPDATE webhook_endpoints ep SET signing = s.used FROM (SELECT DISTINCT endpoint, used FROM x WHERE switched) s WHERE ep.id = s.endpoint)
     INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, latency_ms) SELECT id, attempts, at, last_status, last_error, latency FROM x`,
    [JSON.stringify(updates.map(({ id, status, attempts, next, last_status, last_error, latency, body, signature, used, at, reason, endpoint, outcome, signing }) => ({
      id, status, attempts, next, last_status, last_error, latency, body, signature: signature || null, used, at, reason, endpoint, switched: outcome === 'delivered' && used !== signing,
    })))],
  );
  for (const u of updates) {
    if (u.outcome === 'dropped' || u.outcome === 'refused') deps.log.warn({ deliveryId: u.id, endpointId: u.endpoint, attempts: u.attempts, reason: u.reason }, 'webhook delivery dropped (dead-letter log)');
  }
  return outcomes;
}
