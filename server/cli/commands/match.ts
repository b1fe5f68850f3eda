import fs from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { MatchIndex, matchCompany, type MatchResult } from '../../matching/matcher';
import { BadRowsError, loadProfiles } from '../../profiles/load-profiles';
import { readRecords } from '../../profiles/read-records';
import { emit } from '../output';

/**
 * `kustiq match --profiles FILE --companies FILE [--out FILE]`: the same matcher as the
 * service, with no database and no HubSpot. One JSON line per company, in input order
 * (interfaces.md §2); to stdout, or to --out with a summary on stdout.
 */
export function registerMatch(program: Command): void {
  program
    .command('match')
    .description('offline matcher: match a companies file against a profile graph file (CSV or JSONL), JSONL out')
    .requiredOption('--profiles <file>', 'profile graph: CSV or JSONL with id, name, domain[, aliases, catalog fields]')
    .requiredOption('--companies <file>', 'companies: CSV or JSONL with id, name, domain (a HubSpot export)')
    .option('--out <file>', 'write the JSONL here instead of stdout')
    .option('--json', 'with --out: print the summary as JSON')
    .action(async (opts) => {
      const started = performance.now();
      const profiles = await loadProfiles(opts.profiles);
      const index = new MatchIndex(profiles);
      const out: NodeJS.WritableStream = opts.out ? fs.createWriteStream(opts.out) : process.stdout;
      const tally: Record<MatchResult['status'], number> = { matched: 0, review: 0, unmatched: 0, skipped: 0 };
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'matching {bar} {value} companies | {matched} matched', stream: process.stderr }) : null;
      bar?.start(0, 0, { matched: 0 });
      const problems: string[] = [];
      let n = 0;
      for await (const { line, record } of readRecords(opts.companies)) {
        const id = String(record.id ?? '').trim();
        if (!id) { problems.push(`${opts.companies}:${line}: id: required`); continue; }
        const r = matchCompany(index, { id, name: record.name == null ? '' : String(record.name), domain: record.domain == null ? '' : String(record.domain) });
        tally[r.status]++;
        n++;
        if (!out.write(`${JSON.stringify(r)}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
        if (bar && n % 500 === 0) { bar.setTotal(n); bar.update(n, { matched: tally.matched }); }
      }
      bar?.setTotal(n);
      bar?.update(n, { matched: tally.matched });
      bar?.stop();
      if (opts.out) await new Promise<void>((res, rej) => (out as fs.WriteStream).end((e?: Error | null) => (e ? rej(e) : res())));
      if (problems.length) throw new BadRowsError(problems);
      if (opts.out) {
        const summary = { profiles: profiles.length, companies: n, ...tally, out: opts.out, wallMs: Math.round(performance.now() - started) };
        emit(!!opts.json, summary, () => `Matched ${n} companies against ${profiles.length} profiles: ${tally.matched} matched, ${tally.review} to review, ${tally.unmatched} unmatched, ${tally.skipped} skipped (blank domain). Wrote ${opts.out}.`);
      }
    });
}

