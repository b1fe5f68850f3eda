import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench';
import { registerDemo } from './commands/demo';
import { registerDisconnect } from './commands/disconnect';
import { registerEmulator } from './commands/emulator';
import { registerKeys } from './commands/keys';
import { registerMatch } from './commands/match';
import { registerContacts } from './commands/contacts';
import { registerSync } from './commands/sync';
import { registerCredits } from './commands/credits';
import { registerProfiles } from './commands/profiles';
import { registerMigrate } from './commands/migrate';
import { registerServe } from './commands/serve';
import { exitCodeFor, reportError } from './output';
import { createLogger } from '../log';

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
  registerKeys(program);
  registerMatch(program);
  registerContacts(program);
  registerSync(program);
  registerCredits(program);
  registerProfiles(program);
  registerBench(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/**
 * A promise nobody awaited that rejects must not end a long-running process: pg-boss 10
 * completes and fails jobs without awaiting them, so a database blip while it does would
 * otherwise end `kustiq start` or `kustiq demo` (Node's default is to exit). It is logged;
 * the job it was about stays active, expires and is retried from its checkpoint.
 */
export function keepRunningOnUnhandledRejections(log = createLogger(process.env.LOG_LEVEL ?? 'info')): void {
  if (process.listenerCount('unhandledRejection') > 0) return;
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? { message: reason.message, code: (reason as { code?: unknown }).code } : { message: String(reason) };
    log.error({ err }, 'unhandled rejection (the process keeps running)');
  });
}

/** Runs the CLI and returns its exit status (interfaces.md §1). */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  keepRunningOnUnhandledRejections();
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Commander has already printed its own message (or the help) for its errors.
    if (!(err instanceof CommanderError)) reportError(err, json);
    return exitCodeFor(err);
  }
}
