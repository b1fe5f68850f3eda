import type { Knex } from 'knex';

/**
 * A workspace's ICP (tiers A/B/C as validated JSON) and, per company, the fit values last
 * written to HubSpot: rescoring after an ICP change writes only where they differ.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('icp_definitions', (t) => {
    t.uuid('workspace_id').primary().references('workspaces.id').onDelete('CASCADE');
    t.jsonb('definition').notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.uuid('updated_by').references('users.id').onDelete('SET NULL');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('company_matches', (t) => {
    t.jsonb('fit_values');
    t.timestamp('fit_written_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('company_matches', (t) => {
    t.dropColumn('fit_values');
    t.dropColumn('fit_written_at');
  });
  await knex.schema.dropTable('icp_definitions');
}
