import type { Knex } from 'knex';

/** A workspace is one Kustiq customer: its plan, region and (later) its HubSpot connection. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workspaces', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('region').notNullable().defaultTo('us').checkIn(['us', 'eu']);
    t.text('plan').notNullable().defaultTo('free').checkIn(['free', 'insight', 'pro']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('workspaces');
}
