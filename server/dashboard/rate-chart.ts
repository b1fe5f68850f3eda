import { esc } from './pages';

/**
 * The Sync page's charts of a run's HubSpot requests against the portal's limits: the
 * general bucket as requests in the rolling window (the way HubSpot counts it: 110 per
 * 10 s) and search as requests per second (5 per second). Pure: counts in, SVG out.
 */
export interface ChartLimits { general: { limit: number; windowMs: number }; search: { limit: number; windowMs: number } }

const W = 640;
const H = 120;
const PAD = 28;

interface Series { label: string; testId: string; values: number[]; limit: number; unit: string; bars: boolean }

/** Per-second points from the stored counts, from the first second to the last (gaps are zeros). */
export function perSecond(seconds: Record<string, [number, number]>): { start: number; general: number[]; search: number[] } {
  const keys = Object.keys(seconds).map(Number).sort((a, b) => a - b);
  if (!keys.length) return { start: 0, general: [], search: [] };
  const start = keys[0]!;
  const n = keys[keys.length - 1]! - start + 1;
  const general = new Array<number>(n).fill(0);
  const search = new Array<number>(n).fill(0);
  for (const k of keys) {
    general[k - start] = seconds[k]![0];
    search[k - start] = seconds[k]![1];
  }
  return { start, general, search };
}

/** Requests in the window ending at each second (HubSpot's rolling count). */
export function rolling(values: number[], windowSeconds: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v;
    if (i >= windowSeconds) sum -= values[i - windowSeconds]!;
    return sum;
  });
}

function chart(s: Series): string {
  const n = Math.max(s.values.length, 1);
  const top = Math.max(s.limit, ...s.values) * 1.1;
  const x = (i: number) => PAD + (i / n) * (W - PAD - 4);
  const y = (v: number) => H - 16 - (v / top) * (H - 24);
  const peak = Math.max(0, ...s.values);
  const marks = s.bars
    ? s.values.map((v, i) => (v ? `<rect x="${x(i).toFixed(1)}" y="${y(v).toFixed(1)}" width="${Math.max(1, (W - PAD) / n - 1).toFixed(1)}" height="${(H - 16 - y(v)).toFixed(1)}" fill="#ff7a59"/>` : '')).join('')
    : `<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  return `<figure style="margin:0 0 12px" data-testid="${esc(s.testId)}" data-peak="${peak}" data-limit="${s.limit}">
<figcaption>${esc(s.label)}: peak <strong>${peak}</strong> of ${s.limit} ${esc(s.unit)}</figcaption>
<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(`${s.label}, peak ${peak} of ${s.limit}`)}">
<line x1="${PAD}" x2="${W - 4}" y1="${y(s.limit).toFixed(1)}" y2="${y(s.limit).toFixed(1)}" stroke="#b91c1c" stroke-dasharray="4 3" data-testid="${esc(s.testId)}-limit"/>
<text x="2" y="${(y(s.limit) + 4).toFixed(1)}" font-size="10" fill="#b91c1c">${s.limit}</text>
${marks}
<text x="${PAD}" y="${H - 2}" font-size="10" fill="#555">0 s</text><text x="${W - 40}" y="${H - 2}" font-size="10" fill="#555">${n} s</text>
</svg></figure>`;
}

export function rateCharts(seconds: Record<string, [number, number]>, limits: ChartLimits): string {
  const p = perSecond(seconds);
  if (!p.general.length) return '<p data-testid="rate-charts-empty">No HubSpot requests recorded for this run yet.</p>';
  const windowS = Math.max(1, Math.round(limits.general.windowMs / 1000));
  return [
    chart({ label: `General requests in the last ${windowS} s`, testId: 'rate-chart-general', values: rolling(p.general, windowS), limit: limits.general.limit, unit: `per ${windowS} s`, bars: false }),
    chart({ label: 'Search requests per second', testId: 'rate-chart-search', values: rolling(p.search, Math.max(1, Math.round(limits.search.windowMs / 1000))), limit: limits.search.limit, unit: 'per second', bars: true }),
  ].join('\n');
}
