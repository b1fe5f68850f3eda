import type { z } from 'zod';

/** Bad input that names its field: answered as 400 `{error: {message, fields: [{field, problem}]}}`. */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

/** A zod error as `{field, problem}` pairs with readable paths ("tiers.0.criteria.1.values"); `root` names the input itself. */
export function zodProblems(err: z.ZodError, root = ''): { field: string; problem: string }[] {
  return err.issues.map((i) => ({ field: i.path.join('.') || root, problem: i.message }));
}
