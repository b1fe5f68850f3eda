import type { Knex } from 'knex';

/** The HubSpot connection and its token vault, dashboard users and sessions, OAuth states, schema status. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hubspot_connections', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().unique().references('workspaces.id').onDelete('CASCADE');
    t.bigInteger('portal_id').notNullable().unique();
    t.text('status').notNullable().checkIn(['connected', 'disconnected']);
    t.text('status_code'); // one of the twelve codes, when something needs attention
    t.text('status_detail');
    t.specificType('scopes', 'text[]').notNullable().defaultTo('{}');
    t.bigInteger('hubspot_user_id');
    t.text('hubspot_user_email');
    t.text('hub_domain');
    t.bigInteger('app_id');
    t.text('time_zone');
    t.text('data_hosting_location');
    t.text('ui_domain');
    t.text('region_warning');
    // Encrypted (AES-256-GCM, key id inside each ciphertext). Never plaintext.
    t.text('refresh_token_enc');
    t.text('access_token_enc');
    t.timestamp('access_expires_at', { useTz: true });
    t.timestamp('refreshed_at', { useTz: true });
    t.timestamp('rotated_at', { useTz: true });
    t.timestamp('health_checked_at', { useTz: true });
    t.timestamp('connected_at', { useTz: true });
    t.timestamp('disconnected_at', { useTz: true });
    t.timestamp('last_sync_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.bigInteger('hubspot_user_id').notNullable();
    t.text('email').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'hubspot_user_id']);
  });
  await knex.schema.createTable('sessions', (t) => {
    t.text('id_hash').primary(); // sha256 of the cookie's session id
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('oauth_states', (t) => {
    t.text('state_hash').primary();
    t.text('browser_hash').notNullable(); // sha256 of the nonce in the starting browser's cookie
    t.text('purpose').notNullable().checkIn(['login', 'connect']);
    t.uuid('workspace_id').references('workspaces.id').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('property_states', (t) => {
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('object_type').notNullable().checkIn(['companies', 'contacts']);
    t.text('name').notNullable();
    t.text('status').notNullable().checkIn(['ok', 'conflict', 'read_only', 'missing_scope']);
    t.text('code');
    t.text('detail');
    t.timestamp('checked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['connection_id', 'object_type', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['property_states', 'oauth_states', 'sessions', 'users', 'hubspot_connections']) await knex.schema.dropTable(t);
}
