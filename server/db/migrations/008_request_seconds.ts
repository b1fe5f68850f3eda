import type { Knex } from 'knex';

/** Requests per second of a run, by bucket ({"<epoch second>": [general, search]}): the Sync page charts them against the limit. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.jsonb('request_seconds').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => t.dropColumn('request_seconds'));
}
