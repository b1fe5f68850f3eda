import { parseProfileRow, type Profile } from './profile-row';
import { readRecords } from './read-records';

export class BadRowsError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} problem(s):\n${problems.slice(0, 200).join('\n')}${problems.length > 200 ? `\n… and ${problems.length - 200} more` : ''}`);
    this.name = 'BadRowsError';
  }
}

/** Reads a whole profile file; any bad row makes it fail with every problem as `file:line: field: problem`. */
export async function loadProfiles(file: string): Promise<Profile[]> {
  const profiles: Profile[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for await (const { line, record } of readRecords(file)) {
    const { profile, problems: p } = parseProfileRow(record);
    for (const x of p) problems.push(`${file}:${line}: ${x.field}: ${x.problem}`);
    if (!profile) continue;
    const dup = seen.get(profile.id);
    if (dup !== undefined) problems.push(`${file}:${line}: id: "${profile.id}" already on line ${dup}`);
    seen.set(profile.id, line);
    profiles.push(profile);
  }
  if (problems.length) throw new BadRowsError(problems);
  return profiles;
}
