import type { Knex } from 'knex';

/**
 * When Kustiq last saw each record in HubSpot: a full run that did not see a record it had
 * cached (deleted or merged away in HubSpot) forgets it, so nothing reports it as enriched.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('company_matches', (t) => { t.timestamp('seen_at', { useTz: true }); });
  await knex.schema.alterTable('contact_writes', (t) => { t.timestamp('seen_at', { useTz: true }); });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('company_matches', (t) => { t.dropColumn('seen_at'); });
  await knex.schema.alterTable('contact_writes', (t) => { t.dropColumn('seen_at'); });
}
