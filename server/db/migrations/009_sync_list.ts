import type { Knex } from 'knex';

/** The HubSpot company list a portal's syncs are limited to (null: all companies). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hubspot_connections', (t) => {
    t.text('sync_list_id');
    t.text('sync_list_name');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hubspot_connections', (t) => {
    t.dropColumn('sync_list_id');
    t.dropColumn('sync_list_name');
  });
}
