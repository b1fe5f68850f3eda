import { catalogProperty, HIRING_SIGNALS } from '../schema/catalog';
import { ONE_OF_FIELDS, TIERS, type Criterion, type IcpDefinition, type OneOfField, type Tier } from '../icp/icp-definition';
import type { LookalikeResult } from '../icp/lookalike';
import { esc, layout } from './pages';

/**
 * The ICP page: tiers A, B and C as a plain form (works without JavaScript), lookalike
 * mode beside it, and the form <-> definition mapping. A criterion is on when its weight
 * is 1–10; blank or 0 leaves it out.
 */
const ONE_OF = Object.keys(ONE_OF_FIELDS) as OneOfField[];
const NOUN: Record<string, string> = {
  industry: 'Industry', headcount_band: 'Headcount', revenue_band: 'Revenue', funding_stage: 'Funding stage', gtm_motion: 'GTM motion',
  company_type: 'Company type', hq_country: 'HQ country', tech_any: 'Uses any of', tech_none: 'Uses none of', hiring_signal: 'Hiring signal at least',
  employee_growth_6m: 'Headcount growth (6 months) at least, %',
};

type Body = Record<string, string | string[] | undefined>;
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
const splitList = (v: string) => v.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);

/** Form fields → an ICP candidate for IcpDefinition to validate (it names every bad field). */
export function formToIcp(body: Body): unknown {
  const tiers = [];
  for (const tier of TIERS) {
    if (one(body[`${tier}.enabled`]) !== 'on') continue;
    const criteria: unknown[] = [];
    const w = (key: string) => one(body[`${tier}.${key}.weight`]);
    const weightOf = (key: string) => (w(key) === '' || w(key) === '0' ? null : Number(w(key)));
    for (const field of ONE_OF) {
      const weight = weightOf(field);
      if (weight !== null) criteria.push({ field, values: list(body[`${tier}.${field}.values`]), weight });
    }
    if (weightOf('hq_country') !== null) criteria.push({ field: 'hq_country', values: splitList(one(body[`${tier}.hq_country.values`])).map((c) => c.toUpperCase()), weight: weightOf('hq_country') });
    if (weightOf('tech_any') !== null) criteria.push({ field: 'tech_stack', mode: 'uses_any', values: splitList(one(body[`${tier}.tech_any.values`])).map((t) => t.toLowerCase()), weight: weightOf('tech_any') });
    if (weightOf('tech_none') !== null) criteria.push({ field: 'tech_stack', mode: 'uses_none', values: splitList(one(body[`${tier}.tech_none.values`])).map((t) => t.toLowerCase()), weight: weightOf('tech_none') });
    if (weightOf('hiring_signal') !== null) criteria.push({ field: 'hiring_signal', atLeast: one(body[`${tier}.hiring_signal.atLeast`]), weight: weightOf('hiring_signal') });
    if (weightOf('employee_growth_6m') !== null) {
      const raw = one(body[`${tier}.employee_growth_6m.atLeast`]);
      criteria.push({ field: 'employee_growth_6m', atLeast: raw === '' ? Number.NaN : Number(raw), weight: weightOf('employee_growth_6m') });
    }
    const name = one(body[`${tier}.name`]);
    tiers.push({ tier, ...(name ? { name } : {}), criteria });
  }
  return { tiers };
}

/** Validation problems in the form's words: "Tier A · Industry: pick at least one value". */
export function formProblems(candidate: unknown, issues: { path: PropertyKey[]; message: string }[]): string[] {
  const tiers = (candidate as { tiers?: { tier: string; criteria: Criterion[] }[] }).tiers ?? [];
  return issues.map((i) => {
    const [, t, , c] = i.path as (string | number)[];
    const tier = typeof t === 'number' ? tiers[t] : undefined;
    const crit = tier && typeof c === 'number' ? tier.criteria[c] : undefined;
    const field = crit ? (crit.field === 'tech_stack' ? (crit.mode === 'uses_any' ? 'tech_any' : 'tech_none') : crit.field) : null;
    const where = [tier ? `Tier ${tier.tier}` : null, field ? NOUN[field] : null].filter(Boolean).join(' · ');
    return `${where || 'ICP'}: ${i.message}`;
  });
}

function criterionOf(def: IcpDefinition | null, tier: Tier, key: string): Criterion | undefined {
  const t = def?.tiers.find((x) => x.tier === tier);
  return t?.criteria.find((c) => (key === 'tech_any' ? c.field === 'tech_stack' && c.mode === 'uses_any' : key === 'tech_none' ? c.field === 'tech_stack' && c.mode === 'uses_none' : c.field === key));
}

function options(field: string, values: readonly string[], chosen: readonly string[]): string {
  return values.map((v) => {
    const label = catalogProperty('companies', `kustiq_${field}`)?.options?.find((o) => o.value === v)?.label ?? v;
    return `<option value="${esc(v)}"${chosen.includes(v) ? ' selected' : ''}>${esc(label)}</option>`;
  }).join('');
}

function tierFieldset(def: IcpDefinition | null, tier: Tier): string {
  const t = def?.tiers.find((x) => x.tier === tier);
  const weight = (key: string) => {
    const c = criterionOf(def, tier, key);
    return `<input type="number" min="0" max="10" name="${tier}.${key}.weight" value="${c ? esc(c.weight) : ''}" placeholder="weight" style="width:70px" data-testid="${tier}-${key}-weight" aria-label="${esc(NOUN[key])} weight">`;
  };
  const row = (key: string, input: string) => `<tr><td><label>${esc(NOUN[key])}</label></td><td>${input}</td><td>${weight(key)}</td></tr>`;
  const rows = [
    ...ONE_OF.map((f) => {
      const c = criterionOf(def, tier, f) as { values?: string[] } | undefined;
      return row(f, `<select multiple size="4" name="${tier}.${f}.values" data-testid="${tier}-${f}-values" style="min-width:260px">${options(f, ONE_OF_FIELDS[f], c?.values ?? [])}</select>`);
    }),
    row('hq_country', `<input name="${tier}.hq_country.values" placeholder="US, DE, GB" value="${esc(((criterionOf(def, tier, 'hq_country') as { values?: string[] } | undefined)?.values ?? []).join(', '))}" data-testid="${tier}-hq_country-values">`),
    row('tech_any', `<input name="${tier}.tech_any.values" placeholder="hubspot, segment" value="${esc(((criterionOf(def, tier, 'tech_any') as { values?: string[] } | undefined)?.values ?? []).join(', '))}" data-testid="${tier}-tech_any-values">`),
    row('tech_none', `<input name="${tier}.tech_none.values" placeholder="a competitor's product" value="${esc(((criterionOf(def, tier, 'tech_none') as { values?: string[] } | undefined)?.values ?? []).join(', '))}" data-testid="${tier}-tech_none-values">`),
    row('hiring_signal', `<select name="${tier}.hiring_signal.atLeast" data-testid="${tier}-hiring_signal-atLeast">${options('hiring_signal', HIRING_SIGNALS, [((criterionOf(def, tier, 'hiring_signal') as { atLeast?: string } | undefined)?.atLeast ?? 'moderate')])}</select>`),
    row('employee_growth_6m', `<input type="number" step="any" name="${tier}.employee_growth_6m.atLeast" value="${esc((criterionOf(def, tier, 'employee_growth_6m') as { atLeast?: number } | undefined)?.atLeast ?? '')}" data-testid="${tier}-employee_growth_6m-atLeast">`),
  ].join('');
  return `<fieldset class="card" data-testid="tier-${tier}"><legend><label><input type="checkbox" name="${tier}.enabled"${t ? ' checked' : ''} data-testid="${tier}-enabled"> <strong>Tier ${tier}</strong></label>
<input name="${tier}.name" placeholder="name (optional)" value="${esc(t?.name ?? '')}" data-testid="${tier}-name"></legend>
<table><thead><tr><th align="left">Criterion</th><th align="left">Target</th><th align="left">Weight 1–10</th></tr></thead><tbody>${rows}</tbody></table></fieldset>`;
}

export interface IcpPageState {
  saved: { version: number; updatedAt: Date } | null;
  /** What the form shows: the saved ICP, a rejected submission, or a lookalike draft. */
  definition: IcpDefinition | null;
  problems?: string[];
  notice?: string;
  lookalike?: LookalikeResult & { found: string[]; notFound: string[] };
  connected: boolean;
  canUseLists: boolean;
}

export function icpPage(user: { email: string; csrf: string }, st: IcpPageState): string {
  const problems = st.problems?.length ? `<div class="problem" data-testid="icp-problems"><strong>Not saved. Fix these:</strong><ul>${st.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>` : '';
  const lookalike = st.lookalike ? `<div class="card" data-testid="lookalike-result"><h3>Derived from ${esc(st.lookalike.customers)} customers: review below, then Save</h3>
<ul>${st.lookalike.basis.map((b) => `<li>${esc(NOUN[b.field] ?? b.field)}: ${esc(b.note)}</li>`).join('')}</ul>
${st.lookalike.notFound.length ? `<p>Not in the profile graph (left out): ${st.lookalike.notFound.map((d) => `<code>${esc(d)}</code>`).join(' ')}</p>` : ''}</div>` : '';
  return layout('Ideal customer profile', `<h1>Ideal customer profile</h1>
<div class="card"><p>Up to three tiers. Each matched company gets <code>kustiq_score_a/b/c</code> (0–100), the best as <code>kustiq_icp_fit_score</code>,
a grade (A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35, else F) and a one-sentence explanation. With no tier defined nothing is written.
Saving rescores the portal and rewrites only the fit properties, only where they changed.</p>
<p data-testid="icp-status">${st.saved ? `Saved version ${esc(st.saved.version)} · ${esc(st.saved.updatedAt.toISOString())}` : 'No ICP saved yet.'}</p>
${st.notice ? `<div class="problem warn" data-testid="icp-notice">${esc(st.notice)}</div>` : ''}</div>
${problems}${lookalike}
<form method="post" action="/icp" data-testid="icp-form"><input type="hidden" name="csrf" value="${esc(user.csrf)}">
${TIERS.map((t) => tierFieldset(st.definition, t)).join('')}
<button data-testid="icp-save">Save and rescore</button></form>
<form method="post" action="/icp/lookalike" class="card" data-testid="lookalike-form"><h2>Lookalike: derive a tier from your best customers</h2>
<input type="hidden" name="csrf" value="${esc(user.csrf)}">
<p><label>Tier <select name="tier" data-testid="lookalike-tier">${TIERS.map((t) => `<option>${t}</option>`).join('')}</select></label></p>
<p><label>Their domains, one per line (or paste a CSV column)<br><textarea name="domains" rows="6" cols="60" data-testid="lookalike-domains"></textarea></label></p>
${st.canUseLists ? `<p><label>or a HubSpot company list id <input name="listId" data-testid="lookalike-list"></label></p>` : '<p>Grant the optional <code>crm.lists.read</code> scope to use a HubSpot list.</p>'}
<button class="secondary" data-testid="lookalike-derive"${st.connected ? '' : ' disabled'}>Derive criteria</button></form>`, user);
}
