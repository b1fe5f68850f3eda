import type { Command } from 'commander';
import { emit, intOption, UsageError } from '../output';

/** Benchmarks live in bench/; each prints its figures (goals are asserted there, not in tests). */
interface BenchOptions { companies?: number }

const BENCHES: Record<string, (o: BenchOptions) => Promise<{ pass: boolean }>> = {
  emulator: async () => (await import('../../../bench/emulator')).benchEmulator(),
  match: async () => (await import('../../../bench/match')).benchMatch(),
  contacts: async () => (await import('../../../bench/contacts')).benchContacts(),
  sync: async (o) => (await import('../../../bench/sync')).benchSync({ companies: o.companies }),
  record: async () => (await import('../../../bench/record')).benchRecord(),
  inbound: async () => (await import('../../../bench/inbound')).benchInbound(),
  card: async () => (await import('../../../bench/card')).benchCard(),
  webhooks: async () => (await import('../../../bench/webhooks')).benchWebhooks(),
  nightly: async (o) => (await import('../../../bench/nightly')).benchNightly({ companies: o.companies }),
};

export function registerBench(program: Command): void {
  program
    .command('bench <name>')
    .description(`run a benchmark and print its figures (${Object.keys(BENCHES).join(', ')})`)
    .option('--json', 'print the figures as one JSON document')
    .option('--companies <n>', 'companies (sync)', intOption('companies', 1, 1_000_000))
    .action(async (name: string, opts) => {
      const run = BENCHES[name];
      if (!run) throw new UsageError(`unknown bench "${name}"; available: ${Object.keys(BENCHES).join(', ')}`);
      const result = await run({ companies: opts.companies });
      emit(!!opts.json, result, () => JSON.stringify(result, null, 2));
      if (!result.pass) process.exitCode = 1;
    });
}
