import type { Knex } from 'knex';

/**
 * Sessions re-checked daily, and what the hourly purge (worker/purge-jobs.ts) needs.
 * `sessions.verified_at`: when the session's access was last checked (sign-in, then at
 * least daily); `sessions.portal_id`: the HubSpot portal its user signed in through.
 * Indexes for the purge's range deletes and for ending a workspace's sessions.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.timestamp('verified_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.bigInteger('portal_id');
    t.index(['workspace_id']);
    t.index(['expires_at']);
  });
  // Sessions made before this migration: their portal is the workspace's.
  await knex.raw('UPDATE sessions s SET portal_id = c.portal_id FROM hubspot_connections c WHERE c.workspace_id = s.workspace_id');
  await knex.schema.alterTable('oauth_states', (t) => t.index(['expires_at']));
  await knex.schema.alterTable('hubspot_events', (t) => t.index(['received_at']));
  await knex.schema.alterTable('webhook_events', (t) => t.index(['created_at']));
  await knex.schema.alterTable('record_syncs', (t) => t.index(['created_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('record_syncs', (t) => t.dropIndex(['created_at']));
  await knex.schema.alterTable('webhook_events', (t) => t.dropIndex(['created_at']));
  await knex.schema.alterTable('hubspot_events', (t) => t.dropIndex(['received_at']));
  await knex.schema.alterTable('oauth_states', (t) => t.dropIndex(['expires_at']));
  await knex.schema.alterTable('sessions', (t) => {
    t.dropIndex(['workspace_id']);
    t.dropIndex(['expires_at']);
    t.dropColumn('portal_id');
    t.dropColumn('verified_at');
  });
}
