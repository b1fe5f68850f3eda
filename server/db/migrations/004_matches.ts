import type { Knex } from 'knex';

/**
 * One row per HubSpot company of a connection: the matcher's verdict, its candidates, and
 * a person's decision in review. `write_status` = queued means the record waits for the
 * sync to write it (matched ≥ 80, or confirmed by a person).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('company_matches', (t) => {
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('company_id').notNullable();
    t.text('company_name');
    t.text('company_domain');
    t.text('status').notNullable().checkIn(['matched', 'review', 'unmatched', 'skipped', 'rejected']);
    t.text('profile_id');
    t.integer('confidence').notNullable().defaultTo(0);
    t.text('method').checkIn(['domain', 'name', 'manual']);
    t.text('reason');
    t.jsonb('candidates').notNullable().defaultTo('[]');
    t.text('write_status').notNullable().defaultTo('none').checkIn(['none', 'queued', 'written']);
    t.uuid('decided_by').references('users.id').onDelete('SET NULL');
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('matched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['connection_id', 'company_id']);
    t.index(['connection_id', 'status']);
    t.index(['connection_id', 'write_status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('company_matches');
}
