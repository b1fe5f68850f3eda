import fs from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../../config';
import { openDatabase } from '../../db/database';
import { createLogger } from '../../log';
import { importProfiles } from '../../profiles/import-profiles';
import { PROFILE_COLUMNS } from '../../profiles/profile-row';
import { sampleProfiles } from '../../samples/profile-graph';
import { emit, intOption, UsageError } from '../output';

/**
 * `kustiq profiles sample --count N --out FILE`: writes the sample profile graph (the real
 * Fortune 500 plus generated companies, all flagged sample) as CSV or JSONL, the format
 * `kustiq match --profiles` reads. `kustiq profiles import FILE` loads a graph into Postgres.
 */
export function registerProfiles(program: Command): void {
  const profiles = program.command('profiles').description('the profile graph');
  profiles
    .command('import <file>')
    .description('load a profile graph file (CSV or JSONL) into Postgres, upserting by id; a file with bad rows changes nothing unless --rejects is given')
    .option('--rejects <file>', 'import the good rows and write the bad ones (with their problems) here as JSONL')
    .option('--json', 'print the tally as JSON')
    .action(async (file: string, opts) => {
      const config = loadConfig();
      const log = createLogger(config.LOG_LEVEL);
      const db = await openDatabase(config, { onLog: (l) => log.debug({ postgres: l }) });
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'importing {value} rows', stream: process.stderr }) : null;
      bar?.start(0, 0);
      try {
        const started = performance.now();
        const tally = await importProfiles(db.knex, file, { rejectsFile: opts.rejects, onProgress: (n) => bar?.update(n) });
        bar?.stop();
        emit(!!opts.json, { ...tally, file, wallMs: Math.round(performance.now() - started) }, () =>
          `Imported ${file}: ${tally.inserted} new, ${tally.updated} changed, ${tally.unchanged} unchanged${tally.rejected ? `, ${tally.rejected} rejected (see ${opts.rejects})` : ''}.`,
        );
      } finally {
        bar?.stop();
        await db.close();
      }
    });
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
