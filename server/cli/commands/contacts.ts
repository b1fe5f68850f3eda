import fs from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { enrichContact } from '../../contacts/enrich-contact';
import { BadRowsError } from '../../profiles/load-profiles';
import { readRecords } from '../../profiles/read-records';
import { emit } from '../output';

/**
 * `kustiq contacts --in FILE [--out FILE]`: the 4 contact properties for every row of a
 * contacts file (id, email, firstname, lastname, jobtitle, company_domain), offline.
 * One JSON line per contact in input order (interfaces.md §2).
 */
const COLUMNS = new Set(['id', 'email', 'firstname', 'lastname', 'jobtitle', 'company_domain']);
const str = (v: unknown) => (v == null ? '' : String(v));

export function registerContacts(program: Command): void {
  program
    .command('contacts')
    .description('offline contact enrichment: the 4 contact properties for a contacts file (CSV or JSONL), JSONL out')
    .requiredOption('--in <file>', 'contacts: CSV or JSONL with id, email, firstname, lastname, jobtitle, company_domain')
    .option('--out <file>', 'write the JSONL here instead of stdout')
    .option('--json', 'with --out: print the summary as JSON')
    .action(async (opts) => {
      const started = performance.now();
      const out: NodeJS.WritableStream = opts.out ? fs.createWriteStream(opts.out) : process.stdout;
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'contacts {bar} {value}', stream: process.stderr }) : null;
      bar?.start(0, 0);
      const problems: string[] = [];
      const roles: Record<string, number> = {};
      let n = 0;
      for await (const { line, record } of readRecords(opts.in)) {
        const unknown = Object.keys(record).filter((k) => !COLUMNS.has(k));
        for (const k of unknown) problems.push(`${opts.in}:${line}: ${k}: unknown column (expected ${[...COLUMNS].join(', ')})`);
        const id = str(record.id).trim();
        if (!id) problems.push(`${opts.in}:${line}: id: required`);
        if (unknown.length || !id) continue;
        const p = enrichContact({ email: str(record.email), firstname: str(record.firstname), lastname: str(record.lastname), jobtitle: str(record.jobtitle), companyDomain: str(record.company_domain) });
        roles[p.kustiq_contact_role] = (roles[p.kustiq_contact_role] ?? 0) + 1;
        n++;
        if (!out.write(`${JSON.stringify({ id, ...p })}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
        if (bar && n % 1000 === 0) { bar.setTotal(n); bar.update(n); }
      }
      bar?.setTotal(n);
      bar?.update(n);
      bar?.stop();
      if (opts.out) await new Promise<void>((res, rej) => (out as fs.WriteStream).end((e?: Error | null) => (e ? rej(e) : res())));
      if (problems.length) throw new BadRowsError(problems);
      if (opts.out) {
        emit(!!opts.json, { contacts: n, roles, out: opts.out, wallMs: Math.round(performance.now() - started) },
          () => `Enriched ${n} contacts (${Object.entries(roles).map(([r, c]) => `${c} ${r}`).join(', ')}). Wrote ${opts.out}.`);
      }
    });
}
