import { labelledTitles } from '../bench/contact-labels';
import { classifyTitle, normalizeTitle } from '../server/contacts/title-classifier';
let s = 0, d = 0; const rows = labelledTitles(process.env.SET);
for (const r of rows) { const c = classifyTitle(r.title); const okS = c.seniority === r.seniority, okD = c.department === r.department; if (okS) s++; if (okD) d++;
  if (!okS || !okD) console.log(`${r.title} [${normalizeTitle(r.title)}] ${okS ? '' : `S:${c.seniority}≠${r.seniority}`} ${okD ? '' : `D:${c.department}≠${r.department}`}`); }
console.log(rows.length, (s / rows.length * 100).toFixed(1), (d / rows.length * 100).toFixed(1));
