import type { Knex } from 'knex';

/**
 * Outbound webhooks. `webhook_secrets`: the workspace's signing secret, encrypted, and
 * during a rotation's grace period the previous one. `webhook_endpoints`: where events go.
 * `webhook_events` is the outbox (inserted in the transaction that records the HubSpot
 * write), `webhook_deliveries` one row per event and endpoint with its attempts, and
 * `webhook_dead_letters` what was dropped after 24 hours (or refused with a 4xx).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_secrets', (t) => {
    t.uuid('workspace_id').primary().references('workspaces.id').onDelete('CASCADE');
    t.text('secret_enc').notNullable();
    t.text('previous_enc');
    t.timestamp('previous_until', { useTz: true });
    t.timestamp('rotated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('url').notNullable();
    t.specificType('event_types', 'text[]').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('max_concurrency').notNullable().defaultTo(16);
    // During a rotation: the secret this receiver last accepted ('previous' until it takes the new one).
    t.text('signing').notNullable().defaultTo('current').checkIn(['current', 'previous']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id']);
  });
  await knex.schema.createTable('webhook_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('type').notNullable().checkIn(['company.enriched', 'contact.enriched', 'test']);
    t.bigInteger('portal_id');
    t.text('object_type');
    t.text('object_id');
    t.text('profile_id');
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'created_at']);
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('event_id').notNullable().references('webhook_events.id').onDelete('CASCADE');
    t.uuid('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'delivered', 'failed', 'dropped']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.integer('last_status');
    t.text('last_error');
    t.integer('last_latency_ms');
    // The exact bytes of the last attempt and the header sent with them (the signature helper shows these).
    t.text('last_body');
    t.text('last_signature');
    t.text('last_secret').checkIn(['current', 'previous']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['event_id', 'endpoint_id']);
    t.index(['endpoint_id', 'created_at']);
  });
  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.uuid('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('status');
    t.text('error');
    t.integer('latency_ms').notNullable();
    t.index(['delivery_id']);
  });
  await knex.schema.createTable('webhook_dead_letters', (t) => {
    t.bigIncrements('id');
    t.uuid('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.text('reason').notNullable();
    t.integer('attempts').notNullable();
    t.timestamp('dropped_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['webhook_dead_letters', 'webhook_attempts', 'webhook_deliveries', 'webhook_events', 'webhook_endpoints', 'webhook_secrets']) await knex.schema.dropTable(t);
}
