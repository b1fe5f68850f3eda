import type { DeliveryDetail, DeliveryView } from '../webhooks/webhook-admin';
import type { EndpointView } from '../webhooks/endpoints';
import { EVENT_TYPES, MAX_ENDPOINTS_PER_WORKSPACE } from '../webhooks/endpoints';
import { TEST_EVENTS_PER_MINUTE } from '../webhooks/webhook-admin';
import type { SecretView } from '../webhooks/webhook-secrets';
import { ROTATION_GRACE_MS } from '../webhooks/webhook-secrets';
import { esc, layout, problem } from './pages';

/**
 * The Webhooks page: the signing secret (revealed once, rotated with a grace period), the
 * endpoints, "Send test event", and the delivery log with "Redeliver"; one delivery's page
 * is the ERR_WEBHOOK_SIGNATURE helper (the exact bytes signed and the header sent).
 */
type User = { email: string; csrf: string };
const when = (d: Date | null) => (d ? esc(new Date(d).toISOString().replace('T', ' ').slice(0, 19)) + ' UTC' : '—');
const csrfField = (u: User) => `<input type="hidden" name="csrf" value="${esc(u.csrf)}">`;

export interface WebhooksPageState { secret: SecretView; endpoints: EndpointView[]; deliveries: DeliveryView[]; revealed?: string | null; error?: string | null; notice?: string | null }

export function webhooksPage(user: User, st: WebhooksPageState): string {
  const graceHours = ROTATION_GRACE_MS / 3_600_000;
  const secret = st.revealed
    ? `<div class="card" data-testid="secret-card"><h2>Signing secret</h2><p><strong>Copy it now: it is shown this once.</strong> Set it as <code>KUSTIQ_WEBHOOK_SECRET</code> on your receiver.</p>
<pre data-testid="secret-revealed" style="user-select:all">${esc(st.revealed)}</pre>${st.secret.previousUntil ? `<p>The previous secret keeps working until ${when(st.secret.previousUntil)}: update your receiver before then.</p>` : ''}</div>`
    : `<div class="card" data-testid="secret-card"><h2>Signing secret</h2>${st.secret.exists
      ? `<p>Every delivery is signed with HMAC-SHA256 over the raw body in <code>X-Kustiq-Signature</code>. Secret: <code data-testid="secret-hint">${esc(st.secret.hint)}</code> (made ${when(st.secret.rotatedAt)}).</p>
${st.secret.previousUntil ? `<p data-testid="secret-grace">Rotation in progress: receivers still on the previous secret keep getting deliveries until ${when(st.secret.previousUntil)}.</p>` : ''}
<form method="post" action="/webhooks/secret">${csrfField(user)}<button data-testid="rotate-secret">Rotate secret</button> <span class="muted">A new secret is shown once; the old one keeps working for ${graceHours} hours.</span></form>`
      : `<p>No secret yet. Kustiq makes one (32 random bytes) and shows it once.</p><form method="post" action="/webhooks/secret">${csrfField(user)}<button data-testid="rotate-secret">Generate secret</button></form>`}</div>`;
  const full = st.endpoints.length >= MAX_ENDPOINTS_PER_WORKSPACE;
  const endpoints = `<div class="card"><h2>Endpoints</h2>
<p class="muted" data-testid="endpoint-limits">${esc(st.endpoints.length)} of ${MAX_ENDPOINTS_PER_WORKSPACE} endpoints. Each attempt has 10 s for the whole exchange; answers are read up to 64 KB. At most ${TEST_EVENTS_PER_MINUTE} test events a minute.</p>
<table style="width:100%" data-testid="endpoints"><thead><tr><th align="left">URL</th><th align="left">Events</th><th align="left">State</th><th align="right">Concurrency</th><th></th></tr></thead><tbody>
${st.endpoints.map((e) => `<tr data-testid="endpoint-row"><td><code>${esc(e.url)}</code></td><td>${e.eventTypes.map(esc).join(', ')}</td><td>${e.enabled ? 'enabled' : 'disabled'}${e.signing === 'previous' && st.secret.previousUntil ? ' · still on the previous secret' : ''}</td><td align="right">${esc(e.maxConcurrency)}</td>
<td><form method="post" action="/webhooks/endpoints/${esc(e.id)}/delete">${csrfField(user)}<button class="secondary">Delete</button></form></td></tr>`).join('') || '<tr><td colspan="5">No endpoint yet.</td></tr>'}
</tbody></table>
<form method="post" action="/webhooks/endpoints" style="margin-top:12px">${csrfField(user)}
<label>URL <input name="url" type="url" required placeholder="https://example.com/kustiq-webhook" style="width:60%" data-testid="endpoint-url"></label>
${EVENT_TYPES.map((t) => `<label><input type="checkbox" name="eventTypes" value="${t}" checked> ${t}</label>`).join(' ')}
<label>Concurrency <input name="maxConcurrency" type="number" min="1" max="64" value="16" style="width:4em"></label>
<button data-testid="add-endpoint"${full ? ' disabled title="Delete an endpoint before adding another"' : ''}>Add endpoint</button></form>
<form method="post" action="/webhooks/test" style="margin-top:8px">${csrfField(user)}<button class="secondary" data-testid="send-test"${st.endpoints.length ? '' : ' disabled'}>Send test event</button></form></div>`;
  const live = st.deliveries.some((d) => d.status === 'pending');
  const log = `<div class="card"><h2>Deliveries</h2><table style="width:100%;border-collapse:collapse" data-testid="deliveries"><thead><tr><th align="left">Event</th><th align="left">Record</th><th align="left">Status</th><th align="right">Attempts</th><th align="right">Last answer</th><th align="right">Latency</th><th align="left">Next retry</th><th></th></tr></thead><tbody>
${st.deliveries.map((d) => `<tr data-testid="delivery-row" data-status="${esc(d.status)}"><td><a href="/webhooks/deliveries/${esc(d.id)}">${esc(d.type)}</a><br><small>${when(d.createdAt)}</small></td><td>${d.objectType ? `${esc(d.objectType)} ${esc(d.objectId)}` : '—'}</td>
<td data-testid="delivery-status">${esc(d.status)}</td><td align="right">${esc(d.attempts)}</td><td align="right">${d.lastStatus === null ? esc(d.lastError ?? '—') : esc(d.lastStatus)}</td><td align="right">${d.latencyMs === null ? '—' : `${esc(d.latencyMs)} ms`}</td><td>${when(d.nextAttemptAt)}</td>
<td>${d.status === 'pending' ? '' : `<form method="post" action="/webhooks/deliveries/${esc(d.id)}/redeliver">${csrfField(user)}<button class="secondary" data-testid="redeliver">Redeliver</button></form>`}</td></tr>`).join('') || '<tr><td colspan="8">Nothing sent yet.</td></tr>'}
</tbody></table></div>`;
  return layout('Webhooks', `${live ? '<meta http-equiv="refresh" content="3">' : ''}<h1>Webhooks</h1>
${st.error ? `<div class="card error" role="alert" data-testid="webhooks-error">${esc(st.error)}</div>` : ''}${st.notice ? `<div class="card" data-testid="webhooks-notice">${esc(st.notice)}</div>` : ''}
${secret}${endpoints}${log}`, user);
}

/** One delivery: its attempts, and what to check when a receiver says the signature is wrong. */
export function deliveryPage(user: User, d: DeliveryDetail, secretHint: string | null): string {
  return layout('Delivery', `<h1>Delivery <code>${esc(d.id.slice(0, 8))}</code></h1>
<div class="card"><dl><dt>Event</dt><dd>${esc(d.type)} <code data-testid="event-id">${esc(d.eventId)}</code> (the same on every attempt)</dd>
<dt>Endpoint</dt><dd><code>${esc(d.url)}</code></dd><dt>Status</dt><dd data-testid="delivery-status">${esc(d.status)}${d.deadLetter ? ` — ${esc(d.deadLetter.reason)} (${when(d.deadLetter.droppedAt)})` : ''}</dd>
<dt>Next retry</dt><dd>${when(d.nextAttemptAt)}</dd></dl>
<table data-testid="attempts"><thead><tr><th align="left">#</th><th align="left">At</th><th align="right">Answer</th><th align="right">Latency</th></tr></thead><tbody>
${d.attemptLog.map((a) => `<tr><td>${esc(a.attempt)}</td><td>${when(a.at)}</td><td align="right">${a.status === null ? esc(a.error ?? '') : esc(a.status)}</td><td align="right">${esc(a.latencyMs)} ms</td></tr>`).join('')}</tbody></table></div>
<div class="card" data-testid="signature-helper"><h2>Signature check</h2>
${problem('ERR_WEBHOOK_SIGNATURE', 'If your receiver rejected this delivery, compare what it computed with what was sent: the HMAC-SHA256, in lowercase hex, of exactly these bytes (UTF-8, no re-encoding, no added whitespace), with your secret.', 'warn')}
${d.body ? `<p>Header sent: <code data-testid="signature-header">X-Kustiq-Signature: ${esc(d.signature)}</code>, signed with the ${d.secret === 'previous' ? 'previous' : 'current'} secret${secretHint && d.secret !== 'previous' ? ` (<code>${esc(secretHint)}</code>)` : ''}.</p>
<p>The exact body bytes of the last attempt (${esc(Buffer.byteLength(d.body))} bytes):</p><pre data-testid="signed-bytes" style="white-space:pre-wrap;word-break:break-all">${esc(d.body)}</pre>
<p>Check it yourself: <code>printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$KUSTIQ_WEBHOOK_SECRET"</code> must print the header's value. Verify on the raw body (<code>express.raw()</code>), before any JSON parsing. The body's <code>timestamp</code> is fresh on every attempt (<code>ERR_WEBHOOK_STALE</code> means the receiver's clock is off).</p>`
    : '<p>Not attempted yet.</p>'}</div>
<p><a href="/webhooks">Back to Webhooks</a></p>`, user);
}
