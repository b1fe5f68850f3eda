import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench';
import { registerDemo } from './commands/demo';
import { registerDisconnect } from './commands/disconnect';
import { registerEmulator } from './commands/emulator';
import { registerMatch } from './commands/match';
import { registerContacts } from './commands/contacts';
import { registerSync } from './commands/sync';
import { registerCredits } from './commands/credits';
import { registerProfiles } from './commands/profiles';
import { registerMigrate } from './commands/migrate';
import { registerServe } from './commands/serve';
import { exitCodeFor, reportError } from './output';

export function buildProgram(): Command {
  const program = new Command('kustiq')
    .description('Kustiq for HubSpot: B2B enrichment written into 37 kustiq_* properties')
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerServe(program);
  registerMigrate(program);
  registerEmulator(program);
  registerDisconnect(program);
  registerMatch(program);
  registerContacts(program);
  registerSync(program);
  registerCredits(program);
  registerProfiles(program);
  registerBench(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI and returns its exit status (interfaces.md §1). */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Commander has already printed its own message (or the help) for its errors.
    if (!(err instanceof CommanderError)) reportError(err, json);
    return exitCodeFor(err);
  }
}
