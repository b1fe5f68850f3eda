import { parseProfileRow, type Profile } from './profile-row';
import { readRecords } from './read-records';

/** Problems kept in memory; past this only the count grows (a million bad rows stay bounded). */
const KEPT_PROBLEMS = 10_000;

export class BadRowsError extends Error {
  constructor(readonly problems: string[], total = problems.length) {
    super(`${total} problem(s):\n${problems.slice(0, 200).join('\n')}${total > 200 ? `\n… and ${total - 200} more` : ''}`);
    this.name = 'BadRowsError';
  }
}

/**
 * Reads a whole profile file once, handing each good profile to `onProfile`; any bad row
 * or repeated id makes it fail with every problem as `file:line: field: problem`.
 */
export async function checkProfiles(file: string, onProfile: (p: Profile) => void = () => {}): Promise<void> {
  const problems: string[] = [];
  let total = 0;
  const report = (s: string) => {
    total++;
    if (problems.length < KEPT_PROBLEMS) problems.push(s);
  };
  const seen = new Map<string, number>();
  for await (const { line, record, problems: unreadable } of readRecords(file, { rowProblems: true })) {
    // Not valid UTF-8, a NUL, too large: nothing of the row is trusted.
    const { profile, problems: p } = unreadable?.length ? { profile: null, problems: unreadable } : parseProfileRow(record);
    for (const x of p) report(`${file}:${line}: ${x.field}: ${x.problem}`);
    if (!profile) continue;
    const dup = seen.get(profile.id);
    if (dup !== undefined) report(`${file}:${line}: id: "${profile.id}" already on line ${dup}`);
    seen.set(profile.id, line);
    onProfile(profile);
  }
  if (total) throw new BadRowsError(problems, total);
}

/** The whole graph in memory (the offline matcher). */
export async function loadProfiles(file: string): Promise<Profile[]> {
  const profiles: Profile[] = [];
  await checkProfiles(file, (p) => profiles.push(p));
  return profiles;
}
