import type { Knex } from 'knex';

/**
 * Credits: a ledger row per record enriched per period (a record's first enrichment in a
 * period spends one; refreshes in the same period find the row and spend nothing), and
 * grants that add credits to a workspace's plan allowance for a span of time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credit_ledger', (t) => {
    t.bigIncrements('id');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.timestamp('period_start', { useTz: true }).notNullable();
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('object_type').notNullable();
    t.text('record_id').notNullable();
    t.uuid('run_id').references('sync_runs.id').onDelete('SET NULL');
    t.timestamp('spent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'period_start', 'connection_id', 'object_type', 'record_id']);
  });
  await knex.schema.createTable('credit_grants', (t) => {
    t.bigIncrements('id');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.integer('credits').notNullable().checkPositive();
    t.text('reason').notNullable();
    t.timestamp('valid_from', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('valid_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id']);
  });
  await knex.schema.alterTable('company_matches', (t) => {
    t.index(['connection_id', 'write_error']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('company_matches', (t) => t.dropIndex(['connection_id', 'write_error']));
  await knex.schema.dropTable('credit_grants');
  await knex.schema.dropTable('credit_ledger');
}
