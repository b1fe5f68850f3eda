import type { Knex } from 'knex';

/**
 * The webhook dispatchers alive now (one per worker process, each seen within the last
 * 30 s): an endpoint's concurrency limit is shared among them, so adding workers never
 * sends a receiver more at once than its limit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_dispatchers', (t) => {
    t.uuid('id').primary();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_dispatchers');
}
