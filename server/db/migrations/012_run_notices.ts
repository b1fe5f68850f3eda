import type { Knex } from 'knex';

/** What a run says once about itself (e.g. contacts skipped for a missing scope): [{code, detail}]. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.jsonb('notices').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('notices');
  });
}
