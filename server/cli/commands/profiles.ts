import fs from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { PROFILE_COLUMNS } from '../../profiles/profile-row';
import { sampleProfiles } from '../../samples/profile-graph';
import { emit, intOption, UsageError } from '../output';

/**
 * `kustiq profiles sample --count N --out FILE`: writes the sample profile graph (the real
 * Fortune 500 plus generated companies, all flagged sample) as CSV or JSONL, the format
 * `kustiq match --profiles` reads. (`profiles import` into Postgres is not built yet.)
 */
export function registerProfiles(program: Command): void {
  const profiles = program.command('profiles').description('the profile graph');
  profiles
    .command('sample')
    .description('write the sample profile graph (Fortune 500 + generated companies, flagged sample) to a CSV or JSONL file')
    .option('--count <n>', 'how many profiles', intOption('count', 1, 10_000_000), 10_000)
    .requiredOption('--out <file>', 'where to write (.csv or .jsonl)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts) => {
      const csv = /\.csv$/i.test(opts.out);
      if (!csv && !/\.(jsonl|ndjson)$/i.test(opts.out)) throw new UsageError('--out must end in .csv or .jsonl');
      const out = fs.createWriteStream(opts.out);
      if (csv) out.write(stringify([PROFILE_COLUMNS]));
      let n = 0;
      for (const p of sampleProfiles(opts.count)) {
        const line = csv ? stringify([PROFILE_COLUMNS.map((c) => p[c] ?? '')]) : `${JSON.stringify(p)}\n`;
        if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
        n++;
      }
      await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
      emit(!!opts.json, { profiles: n, out: opts.out }, () => `Wrote ${n} sample profiles to ${opts.out}.`);
    });
}
