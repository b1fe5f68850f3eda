import { classifyTitle } from '../server/contacts/title-classifier';
import { enrichContact } from '../server/contacts/enrich-contact';
import { labelledTitles } from './contact-labels';

/**
 * `kustiq bench contacts`: the title classifier's agreement with labelled real-world
 * titles (seniority and department each ≥ 90%) and the speed of enriching 100,000
 * contacts (all 4 properties, ≤ 10 s). Two label sets are reported: the one the rules
 * were developed against, and a held-out set written afterwards and never tuned on (the
 * honest figure; the goal is judged on the two together).
 */
function agreement(set: string) {
  const rows = labelledTitles(set);
  let seniority = 0;
  let department = 0;
  const misses: { title: string; expected: string; got: string }[] = [];
  for (const r of rows) {
    const c = classifyTitle(r.title);
    if (c.seniority === r.seniority) seniority++;
    if (c.department === r.department) department++;
    if ((c.seniority !== r.seniority || c.department !== r.department) && misses.length < 25) {
      misses.push({ title: r.title, expected: `${r.seniority ?? '-'}/${r.department}`, got: `${c.seniority ?? '-'}/${c.department}` });
    }
  }
  const pct = (n: number) => Math.round((n / rows.length) * 1000) / 10;
  return { titles: rows.length, seniorityPct: pct(seniority), departmentPct: pct(department), seniority, department, misses };
}

export async function benchContacts() {
  const developed = agreement('job-titles');
  const heldOut = agreement('job-titles-holdout');
  const all = developed.titles + heldOut.titles;
  const seniorityPct = Math.round(((developed.seniority + heldOut.seniority) / all) * 1000) / 10;
  const departmentPct = Math.round(((developed.department + heldOut.department) / all) * 1000) / 10;

  // 100,000 contacts built from the labelled titles with realistic names and addresses.
  const titles = [...labelledTitles('job-titles'), ...labelledTitles('job-titles-holdout')].map((r) => r.title);
  const first = ['Jane', 'Ahmed', 'María', 'Jürgen', 'Wei', 'Olivia', 'Kwame', 'Sofia', 'Liam', 'Aiko'];
  const last = ['Doe', 'Khan', 'García', 'Müller', 'Zhang', 'Smith', 'Mensah', 'Rossi', 'Murphy', 'Tanaka'];
  const contacts = Array.from({ length: 100_000 }, (_, i) => {
    const f = first[i % first.length]!;
    const l = last[(i * 7) % last.length]!;
    const domain = i % 9 === 0 ? 'gmail.com' : `company${i % 5000}.com`;
    const local = i % 13 === 0 ? 'info' : i % 3 === 0 ? `${f[0]}${l}` : `${f}.${l}`;
    return { email: `${local}@${domain}`.toLowerCase(), firstname: f, lastname: l, jobtitle: titles[i % titles.length]!, companyDomain: `company${i % 5000}.com` };
  });
  const t0 = performance.now();
  const roles: Record<string, number> = {};
  for (const c of contacts) {
    const p = enrichContact(c);
    roles[p.kustiq_contact_role] = (roles[p.kustiq_contact_role] ?? 0) + 1;
  }
  const ms = performance.now() - t0;
  const accuracyPass = seniorityPct >= 90 && departmentPct >= 90 && heldOut.seniorityPct >= 90 && heldOut.departmentPct >= 90;
  return {
    name: 'contacts',
    accuracy: { titles: all, seniorityPct, departmentPct, goalPct: 90, developed, heldOut, pass: accuracyPass },
    speed: { contacts: contacts.length, ms: Math.round(ms), goalMs: 10_000, roles, pass: ms <= 10_000 },
    pass: accuracyPass && ms <= 10_000,
  };
}
