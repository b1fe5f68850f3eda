import { ERROR_CODES, type ErrorCode } from '../errors/codes';
import type { connectionView } from '../install/connection';
import { CSS_PATH, JS_PATH } from './assets';

/** Server-rendered dashboard pages: plain HTML, every interpolated value escaped. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}


export function layout(title: string, body: string, user?: { email: string; csrf: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Kustiq</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="stylesheet" href="${CSS_PATH}"><script src="${JS_PATH}" defer></script></head><body>
<header><strong>Kustiq</strong>${user ? `<span>${esc(user.email)} · <form method="post" action="/logout" style="display:inline"><input type="hidden" name="csrf" value="${esc(user.csrf)}"><button class="secondary" data-testid="logout">Sign out</button></form></span>` : ''}</header>
<main>${user ? '<nav style="margin-bottom:16px"><a href="/integrations">Integrations</a> · <a href="/review" data-testid="nav-review">Review matches</a> · <a href="/sync" data-testid="nav-sync">Sync</a> · <a href="/icp" data-testid="nav-icp">ICP</a> · <a href="/webhooks" data-testid="nav-webhooks">Webhooks</a></nav>' : ''}${body}</main></body></html>`;
}

export function problem(code: ErrorCode, detail: string | null, kind: 'error' | 'warn' = 'error'): string {
  const c = ERROR_CODES[code];
  return `<div class="problem ${kind === 'warn' ? 'warn' : ''}" data-testid="problem-${esc(code)}"><strong><code>${esc(code)}</code> ${esc(c.title)}</strong>
<div>${esc(detail ?? '')}</div><div>${esc(c.action)} <a href="/docs/troubleshooting#${esc(c.anchor)}">Troubleshooting</a></div></div>`;
}

export function loginPage(message?: string): string {
  return layout('Sign in', `<div class="card"><h1>Sign in to Kustiq</h1>
<p>Kustiq signs you in with your HubSpot account: no password of ours.</p>
${message ? `<div class="problem warn" data-testid="login-notice">${esc(message)}</div>` : ''}
<a class="button" href="/oauth/install?purpose=login" data-testid="sign-in">Sign in with HubSpot</a></div>`);
}

export function errorPage(title: string, message: string, code: ErrorCode | null): string {
  return layout(title, `<div class="card"><h1>${esc(title)}</h1>${code ? problem(code, message) : `<div class="problem">${esc(message)}</div>`}
<p><a href="/integrations">Back to Integrations</a></p></div>`);
}

/** The database is unreachable for a moment (503): a GET page reloads itself after `retryAfter` seconds. */
export function unavailablePage(reload: boolean, retryAfter: number): string {
  return layout('Back in a moment', `${reload ? `<meta http-equiv="refresh" content="${esc(retryAfter)}">` : ''}<div class="card" data-testid="unavailable"><h1>Back in a moment</h1>
<p>Kustiq cannot reach its database for a moment. ${reload ? `This page tries again by itself in ${esc(retryAfter)} seconds.` : 'Nothing was saved: go back and send it again in a few seconds.'}</p></div>`);
}

type Connection = NonNullable<Awaited<ReturnType<typeof connectionView>>>;

export function integrationsPage(user: { email: string; csrf: string }, c: Connection | null): string {
  let card: string;
  if (!c || c.status === 'disconnected') {
    card = `<div class="card" data-testid="hubspot-card"><h2>HubSpot <span class="tag off" data-testid="status">Not connected</span></h2>
${c?.statusCode ? problem(c.statusCode as ErrorCode, c.statusDetail) : c ? `<p>${esc(c.statusDetail ?? '')}. kustiq_* properties and their values stay on your HubSpot records.</p>` : ''}
<p>Connect a HubSpot portal to enrich its companies and contacts. Kustiq asks for six scopes (and two optional ones).</p>
<a class="button" href="/oauth/install?purpose=connect" data-testid="connect">Connect</a></div>`;
  } else {
    const props = c.properties.map((p) => problem(p.code as ErrorCode, `${p.objectType}.${p.name}: ${p.detail}`, p.status === 'missing_scope' ? 'warn' : 'error')).join('');
    card = `<div class="card" data-testid="hubspot-card"><h2>HubSpot <span class="tag ok" data-testid="status">Connected</span></h2>
${c.statusCode ? problem(c.statusCode as ErrorCode, c.statusDetail) : ''}
${c.regionWarning ? problem('ERR_REGION_MISMATCH', c.regionWarning.replace(/^ERR_REGION_MISMATCH: /, ''), 'warn') : ''}
<dl><dt>Portal</dt><dd data-testid="portal-id">${esc(c.portalId)}${c.hubDomain ? ` (${esc(c.hubDomain)})` : ''}</dd>
<dt>Region</dt><dd data-testid="region">${esc(c.region)}${c.timeZone ? ` · ${esc(c.timeZone)}` : ''}</dd>
<dt>Granted scopes</dt><dd data-testid="scopes">${c.scopes.map((s) => `<code>${esc(s)}</code>`).join(' ')}</dd>
<dt>Connected by</dt><dd>${esc(c.connectedBy)}</dd>
<dt>Last sync</dt><dd data-testid="last-sync">${c.lastSyncAt ? esc(new Date(c.lastSyncAt).toISOString()) : 'Not synced yet'}</dd></dl>
${props}
<form method="post" action="/integrations/hubspot/disconnect" data-confirm="Disconnect HubSpot? kustiq_* values stay on your records; everyone signed in to this workspace is signed out.">
<input type="hidden" name="csrf" value="${esc(user.csrf)}"><button class="secondary" data-testid="disconnect">Disconnect</button></form></div>`;
  }
  return layout('Integrations', `<h1>Settings → Integrations</h1>${card}`, user);
}

type Review = Awaited<ReturnType<typeof import('../review/review').reviewRows>>;

export function reviewPage(user: { email: string; csrf: string }, review: Review | null, tally: Record<string, number>): string {
  if (!review) return layout('Review matches', '<h1>Review matches</h1><div class="card">Connect HubSpot first: <a href="/integrations">Settings → Integrations</a>.</div>', user);
  const counts = ['matched', 'review', 'unmatched', 'skipped', 'rejected'].map((s) => `<span class="tag ${s === 'matched' ? 'ok' : s === 'review' ? 'warn' : 'off'}" data-testid="count-${s}">${esc(s)}: ${esc(tally[s] ?? 0)}</span>`).join(' ');
  const rows = review.rows.map((r) => `<tr data-testid="row-${esc(r.companyId)}">
<td><input type="checkbox" name="companyIds" value="${esc(r.companyId)}" form="bulk" data-testid="pick-${esc(r.companyId)}"></td>
<td><strong>${esc(r.companyName)}</strong><br><code>${esc(r.companyDomain || '—')}</code></td>
<td data-testid="confidence-${esc(r.companyId)}">${esc(r.confidence)}%</td>
<td><form method="post" action="/review/decide" style="display:flex;gap:8px;align-items:center">
<input type="hidden" name="csrf" value="${esc(user.csrf)}"><input type="hidden" name="companyId" value="${esc(r.companyId)}">
<select name="profileId" data-testid="candidate-${esc(r.companyId)}">${r.candidates.map((c) => `<option value="${esc(c.profileId)}">${esc(c.name)} (${esc(c.domain)}) · ${esc(c.confidence)}%${c.sample ? ' · sample data' : ''}</option>`).join('')}</select>
<button name="action" value="confirm" data-testid="confirm-${esc(r.companyId)}">Confirm</button>
<button name="action" value="reject" class="secondary" data-testid="reject-${esc(r.companyId)}">Reject</button></form></td></tr>`).join('');
  return layout('Review matches', `<h1>Review matches</h1>
<div class="card"><p>Anything below 80% confidence waits here. Confirm and Kustiq queues the write; reject and it stays untouched. ${problemLink('ERR_MATCH_LOW')}</p>
<p>${counts}</p>
<form method="post" action="/review/run" style="display:inline"><input type="hidden" name="csrf" value="${esc(user.csrf)}"><button class="secondary" data-testid="run-match">Match now</button></form>
<form id="bulk" method="post" action="/review/bulk" style="display:inline"><input type="hidden" name="csrf" value="${esc(user.csrf)}"><button data-testid="bulk-confirm">Confirm selected</button></form></div>
<div class="card"><table style="width:100%;border-collapse:collapse" data-testid="review-table"><thead><tr><th></th><th align="left">HubSpot company</th><th align="left">Confidence</th><th align="left">Kustiq profile</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4" data-testid="empty">Nothing to review.</td></tr>'}</tbody></table>
<p>${esc(review.total)} row(s) in review.</p></div>`, user);
}

function problemLink(code: ErrorCode): string {
  return `<a href="/docs/troubleshooting#${esc(ERROR_CODES[code].anchor)}"><code>${esc(code)}</code></a>`;
}
