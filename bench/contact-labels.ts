import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The labelled job titles (bench/data/job-titles.tsv): title, seniority ("-" = none), department. */
export interface LabelledTitle { line: number; title: string; seniority: string | null; department: string }

export function labelledTitles(name = 'job-titles'): LabelledTitle[] {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data', `${name}.tsv`);
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((l, i) => {
    if (!l.trim() || l.startsWith('#')) return [];
    const [title, seniority, department] = l.split('\t');
    if (!title || !seniority || !department) throw new Error(`${file}:${i + 1}: expected title, seniority and department separated by tabs`);
    return [{ line: i + 1, title, seniority: seniority === '-' ? null : seniority, department }];
  });
}
