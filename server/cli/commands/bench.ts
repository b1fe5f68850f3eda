import type { Command } from 'commander';
import { emit, UsageError } from '../output';

/** Benchmarks live in bench/; each prints its figures (goals are asserted there, not in tests). */
const BENCHES: Record<string, () => Promise<{ pass: boolean }>> = {
  emulator: async () => (await import('../../../bench/emulator')).benchEmulator(),
  match: async () => (await import('../../../bench/match')).benchMatch(),
  contacts: async () => (await import('../../../bench/contacts')).benchContacts(),
};

export function registerBench(program: Command): void {
  program
    .command('bench <name>')
    .description(`run a benchmark and print its figures (${Object.keys(BENCHES).join(', ')})`)
    .option('--json', 'print the figures as one JSON document')
    .action(async (name: string, opts) => {
      const run = BENCHES[name];
      if (!run) throw new UsageError(`unknown bench "${name}"; available: ${Object.keys(BENCHES).join(', ')}`);
      const result = await run();
      emit(!!opts.json, result, () => JSON.stringify(result, null, 2));
      if (!result.pass) process.exitCode = 1;
    });
}
