import { CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config';

/** Exit statuses of interfaces.md §1: 0 success, 1 failure, 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--json` prints exactly one JSON document on stdout; humans get text. Logs go to stderr. */
export function emit(json: boolean, doc: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(doc)}\n`);
  else process.stdout.write(`${human()}\n`);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof ConfigError) return EXIT.failure;
  return EXIT.failure;
}

/** Errors go to stderr; with --json a failure is also one JSON document on stdout. */
export function reportError(err: unknown, json: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    const doc: Record<string, unknown> = { error: { message } };
    if (err instanceof ConfigError) (doc.error as Record<string, unknown>).variables = err.problems;
    process.stdout.write(`${JSON.stringify(doc)}\n`);
  }
  process.stderr.write(`kustiq: ${message}\n`);
}

export function intOption(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`--${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
    }
    return n;
  };
}

/** Resolves on SIGINT/SIGTERM: long-running commands wait on it, then clean up. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => resolve(s);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}
