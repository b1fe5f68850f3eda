import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';

/**
 * pg-boss's queries run on a knex transaction, so a job is queued in the same commit as
 * the rows it is about (`boss.send(..., { db: knexDb(trx) })`, `boss.insert(jobs, { db })`):
 * both are kept, or neither. pg-boss numbers its parameters; knex wants `?`.
 */
export function knexDb(trx: Knex | Knex.Transaction): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[] = []) => {
      const bindings: unknown[] = [];
      const sql = text.replace(/\?/g, '\\?').replace(/\$(\d+)/g, (_m, n: string) => {
        bindings.push(values[Number(n) - 1] ?? null); // knex refuses undefined; pg-boss passes unset defaults as undefined
        return '?';
      });
      const r = await trx.raw(sql, bindings as Knex.RawBinding[]);
      return { rows: r.rows ?? [] };
    },
  };
}
