import type { ErrorCode } from '../errors/codes';
import type { BatchView, RunView } from '../sync/run-views';
import type { CreditStatus } from '../credits/credit-ledger';
import { PLANS } from '../credits/plans';
import { esc, layout, problem } from './pages';
import { rateCharts, type ChartLimits } from './rate-chart';

/**
 * The sync page: the latest run's progress (refreshing itself every 2 s while it runs),
 * its batches with their status and skipped reasons by code, and earlier runs.
 */
export function syncPage(user: { email: string; csrf: string }, st: { connected: boolean; runs: RunView[]; current: { run: RunView; batches: BatchView[]; skipped: Record<string, number> } | null; limits: ChartLimits; credits: (CreditStatus & { waiting: number }) | null; scope: SyncScopeView | null; properties: PropertyProblem[] }): string {
  if (!st.connected) return layout('Sync', '<h1>Sync</h1><div class="card">Connect HubSpot first: <a href="/integrations">Settings → Integrations</a>.</div>', user);
  const c = st.current;
  const live = c && ['queued', 'running'].includes(c.run.status);
  const n = c?.run.counts;
  const reasons = c ? { ERR_DOMAIN_EMPTY: n!.skipped, ERR_MATCH_LOW: n!.review + n!.unmatched, ...c.skipped } : {};
  const current = c ? `<div class="card" data-testid="current-run"><h2>${esc(c.run.kind === 'nightly' ? 'Nightly run' : c.run.kind === 'full' ? 'Full run' : 'First sync')}
<span class="tag ${c.run.status === 'succeeded' ? 'ok' : c.run.status === 'failed' ? 'off' : 'warn'}" data-testid="run-status">${esc(c.run.status)}</span></h2>
${c.run.errorCode ? problem(c.run.errorCode as ErrorCode, c.run.errorDetail, c.run.status === 'waiting' ? 'warn' : 'error') : ''}
${c.run.notices.map((x) => `<div data-testid="run-notice">${problem(x.code as ErrorCode, x.detail, 'warn')}</div>`).join('')}
<dl><dt>Phase</dt><dd data-testid="run-phase">${esc(c.run.phase)}</dd>
<dt>Companies</dt><dd data-testid="run-companies">${esc(n!.companiesRead)} read · ${esc(n!.matched)} matched · ${esc(n!.companiesWritten)} written${n!.companiesRestored ? ` (${esc(n!.companiesRestored)} restored: cleared or altered in HubSpot)` : ''} · ${esc(n!.companiesUnchanged)} already right in HubSpot</dd>
<dt>Contacts</dt><dd data-testid="run-contacts">${esc(n!.contactsRead)} read · ${esc(n!.contactsEligible)} of matched companies · ${esc(n!.contactsWritten)} written${n!.contactsRestored ? ` (${esc(n!.contactsRestored)} restored)` : ''}</dd>
<dt>HubSpot requests</dt><dd data-testid="run-requests">${esc(c.run.requests)} (${esc(c.run.http429)} answered 429)</dd>
<dt>Credits</dt><dd data-testid="run-credits">${esc(n!.creditsSpent)} spent${n!.waitingForCredits ? ` · ${esc(n!.waitingForCredits)} waiting for credits (<code>ERR_QUOTA_FREE</code>)` : ''}</dd>
<dt>Skipped, by reason</dt><dd data-testid="run-skipped">${Object.entries(reasons).filter(([, v]) => v).map(([k, v]) => `<code>${esc(k)}</code> ${esc(v)}`).join(' · ') || 'none'}</dd></dl>
<h3>HubSpot requests against the portal's limits</h3>
${rateCharts(c.run.requestSeconds, st.limits)}
<table style="width:100%;border-collapse:collapse" data-testid="batches"><thead><tr><th align="left">#</th><th align="left">Object</th><th align="left">Status</th><th align="right">Records</th><th align="right">Written</th><th align="left">Skipped</th><th align="right">ms</th></tr></thead><tbody>
${c.batches.slice(-50).map((b) => `<tr data-testid="batch-${esc(b.seq)}"><td>${esc(b.seq)}</td><td>${esc(b.objectType)}</td><td>${esc(b.status)}</td><td align="right">${esc(b.records)}</td><td align="right">${esc(b.written)}</td><td>${Object.entries(b.skipped).map(([k, v]) => `<code>${esc(k)}</code> ${esc(v)}`).join(' ') || '—'}</td><td align="right">${esc(b.ms)}</td></tr>`).join('') || '<tr><td colspan="7">No batch written yet.</td></tr>'}
</tbody></table></div>` : '<div class="card" data-testid="no-runs">No sync has run yet.</div>';
  const earlier = st.runs.slice(1).map((r) => `<tr><td>${esc(r.createdAt.toISOString())}</td><td>${esc(r.kind)}</td><td>${esc(r.status)}${r.errorCode ? ` <code>${esc(r.errorCode)}</code>` : ''}</td><td align="right">${esc(r.counts.companiesWritten + r.counts.contactsWritten)}</td><td align="right">${esc(r.requests)}</td></tr>`).join('');
  return layout('Sync', `${live ? '<meta http-equiv="refresh" content="2">' : ''}<h1>Sync</h1>
<div class="card"><p>Writes go out in batches of 100 within HubSpot's limits (110 requests per 10 s, search 5 per second); nothing is lost if a worker stops.</p>
<p data-testid="sync-scope">Companies synced: ${st.scope ? `members of the HubSpot list <strong>${esc(st.scope.name)}</strong> (${esc(st.scope.listId)})` : '<strong>all companies</strong>'} · <a href="/sync/scope" data-testid="change-scope">change</a></p>
<form method="post" action="/sync/run"><input type="hidden" name="csrf" value="${esc(user.csrf)}"><button data-testid="run-sync"${live ? ' disabled' : ''}>Run a full sync now</button></form></div>
${st.credits ? creditsCard(st.credits) : ''}
${st.properties.length ? propertiesCard(st.properties) : ''}
${current}
${earlier ? `<div class="card"><h2>Earlier runs</h2><table style="width:100%" data-testid="earlier-runs"><thead><tr><th align="left">Started</th><th align="left">Kind</th><th align="left">Status</th><th align="right">Written</th><th align="right">Requests</th></tr></thead><tbody>${earlier}</tbody></table></div>` : ''}`, user);
}

export interface PropertyProblem { objectType: string; name: string; code: string | null; detail: string | null }

/** Properties every write leaves out until they are fixed in HubSpot; everything else is written. */
function propertiesCard(props: PropertyProblem[]): string {
  return `<div class="card" data-testid="property-problems"><h2>Properties not written</h2>
<p>The sync writes every other property; these wait until they are fixed in HubSpot (the next schema check or sync picks them up).</p>
<ul>${props.map((p) => `<li data-testid="property-problem"><code>${esc(p.objectType)}.${esc(p.name)}</code> <code>${esc(p.code ?? '')}</code> ${esc(p.detail ?? '')}</li>`).join('')}</ul></div>`;
}

function creditsCard(c: CreditStatus & { waiting: number }): string {
  if (!c.metered) return '<div class="card" data-testid="credits">Credits: unmetered (this deployment does not count credits).</div>';
  const per = c.plan === 'free' ? 'week' : 'month';
  return `<div class="card" data-testid="credits"><h2>Credits</h2><p><strong>${esc(PLANS[c.plan].label)}</strong> plan (${esc(c.text)}${c.allowance > PLANS[c.plan].credits ? ` + ${esc(c.allowance - PLANS[c.plan].credits)} granted` : ''}):
<span data-testid="credits-used">${esc(c.used)} of ${esc(c.allowance)}</span> used this ${per}; credits return ${esc(c.period.end.toISOString().slice(0, 10))}.
A record's first enrichment in a ${per} spends a credit; refreshing it again in the same ${per} is free.</p>
${c.waiting ? `${problem('ERR_QUOTA_FREE', `${c.waiting} matched companies wait for credits; they go out, with their contacts, on the first run after credits return.`, 'warn')}` : ''}</div>`;
}

export interface SyncScopeView { listId: string; name: string }

/** Which companies the portal's syncs cover: all, or the members of one HubSpot company list. */
export function syncScopePage(user: { email: string; csrf: string }, st: { scope: SyncScopeView | null; canList: boolean; lists: { listId: string; name: string; size: number | null }[] }, error?: string): string {
  const options = st.lists.map((l) => `<option value="${esc(l.listId)}"${st.scope?.listId === l.listId ? ' selected' : ''}>${esc(l.name)}${l.size === null ? '' : ` (${esc(l.size)} companies)`}</option>`).join('');
  const listChoice = st.canList
    ? (st.lists.length
      ? `<label><input type="radio" name="scope" value="list" data-testid="scope-list"${st.scope ? ' checked' : ''}> Only the members of this HubSpot company list:</label>
<select name="listId" data-testid="scope-list-id">${options}</select>`
      : '<p>This portal has no company lists yet. Create one in HubSpot (Contacts → Lists, object: companies).</p>')
    : '<p data-testid="scope-needs-grant">Syncing one list needs the optional <code>crm.lists.read</code> scope: reconnect HubSpot from <a href="/integrations">Integrations</a> and grant it.</p>';
  return layout('Companies to sync', `<h1>Companies to sync</h1>
${error ? `<div class="card error" role="alert" data-testid="scope-error">${esc(error)}</div>` : ''}
<div class="card"><form method="post" action="/sync/scope"><input type="hidden" name="csrf" value="${esc(user.csrf)}">
<p><label><input type="radio" name="scope" value="all" data-testid="scope-all"${st.scope ? '' : ' checked'}> All companies in the portal</label></p>
<p>${listChoice}</p>
<p>The next run (and every nightly run) reads only what you choose here; values already written stay on records.</p>
<button data-testid="save-scope">Save</button> <a href="/sync">Cancel</a></form></div>`, user);
}
