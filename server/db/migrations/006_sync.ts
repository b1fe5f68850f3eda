import type { Knex } from 'knex';

/**
 * The sync engine's state. `rate_budgets`: every request any worker makes for a portal
 * takes a slot from a sliding log kept here (one row per portal and limit), through
 * kustiq_take_slot() so a slot costs one round trip. `sync_runs` and `sync_batches`:
 * runs with their checkpoint (the cursor a resumed run continues from) and every batch
 * written. The last written hash per record lets a run skip records whose values did not
 * change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_budgets', (t) => {
    t.bigInteger('portal_id').notNullable();
    t.text('bucket').notNullable();
    t.specificType('stamps', 'timestamptz[]').notNullable().defaultTo('{}');
    t.primary(['portal_id', 'bucket']);
  });
  // The slot for one request: the earliest time at or after now (and after the last slot
  // handed out) such that no window of p_window_ms holds more than p_limit slots. Returns
  // the milliseconds to wait before sending.
  await knex.raw(`
    CREATE FUNCTION kustiq_take_slot(p_portal bigint, p_bucket text, p_limit int, p_window_ms int) RETURNS double precision
    LANGUAGE plpgsql AS $$
    DECLARE
      now_ts timestamptz := clock_timestamp();
      win interval := make_interval(secs => p_window_ms / 1000.0);
      s timestamptz[];
      n int;
      slot timestamptz;
    BEGIN
      INSERT INTO rate_budgets (portal_id, bucket) VALUES (p_portal, p_bucket) ON CONFLICT DO NOTHING;
      SELECT stamps INTO s FROM rate_budgets WHERE portal_id = p_portal AND bucket = p_bucket FOR UPDATE;
      n := coalesce(array_length(s, 1), 0);
      slot := now_ts;
      IF n > 0 AND s[n] > slot THEN slot := s[n]; END IF;
      IF n >= p_limit AND s[n - p_limit + 1] + win > slot THEN slot := s[n - p_limit + 1] + win; END IF;
      s := s || slot;
      n := n + 1;
      IF n > p_limit THEN s := s[n - p_limit + 1 : n]; END IF;
      UPDATE rate_budgets SET stamps = s WHERE portal_id = p_portal AND bucket = p_bucket;
      RETURN greatest(0, extract(epoch FROM slot - now_ts) * 1000);
    END $$;
  `);
  await knex.schema.createTable('sync_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('kind').notNullable().checkIn(['first', 'nightly', 'full', 'record']);
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'succeeded', 'failed', 'waiting']);
    t.jsonb('cursor').notNullable().defaultTo('{}');
    t.jsonb('counts').notNullable().defaultTo('{}');
    t.integer('requests').notNullable().defaultTo(0);
    t.integer('http429').notNullable().defaultTo(0);
    t.text('error_code');
    t.text('error_detail');
    // When this run's own writes landed: the next incremental run does not reread them.
    t.timestamp('first_write_at', { useTz: true });
    t.timestamp('last_write_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.index(['connection_id', 'created_at']);
  });
  await knex.schema.createTable('sync_batches', (t) => {
    t.uuid('run_id').notNullable().references('sync_runs.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.text('object_type').notNullable();
    t.text('status').notNullable().checkIn(['written', 'partial', 'failed']);
    t.integer('records').notNullable();
    t.integer('written').notNullable();
    t.jsonb('skipped').notNullable().defaultTo('{}');
    t.integer('ms').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['run_id', 'seq']);
  });
  await knex.schema.alterTable('company_matches', (t) => {
    t.text('written_hash');
    t.timestamp('written_at', { useTz: true });
    t.text('write_error');
  });
  // A write about to be sent: if the worker dies before its checkpoint commits, the next
  // one finds the record already carrying this stamp in HubSpot and does not write it again.
  await knex.schema.createTable('sync_intents', (t) => {
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('object_type').notNullable();
    t.text('record_id').notNullable();
    t.text('hash').notNullable();
    t.text('company_id');
    t.bigInteger('stamp_ms').notNullable();
    t.primary(['connection_id', 'object_type', 'record_id']);
  });
  // "Sync now" for one record: queued from the card or the API, done by a worker in about a second.
  await knex.schema.createTable('record_syncs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('object_type').notNullable().checkIn(['companies', 'contacts']);
    t.text('record_id').notNullable();
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'succeeded', 'failed']);
    t.text('outcome');
    t.text('error_code');
    t.text('error_detail');
    t.jsonb('properties');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['connection_id', 'object_type', 'record_id', 'status']);
  });
  // HubSpot webhook events, kept by eventId: a redelivery is recognised and dropped.
  await knex.schema.createTable('hubspot_events', (t) => {
    t.bigInteger('event_id').notNullable();
    t.bigInteger('portal_id').notNullable();
    t.text('object_type').notNullable();
    t.text('object_id').notNullable();
    t.text('subscription_type').notNullable();
    t.text('property_name');
    t.bigInteger('occurred_at').notNullable();
    t.text('change_source');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.primary(['portal_id', 'event_id']);
  });
  await knex.schema.createTable('contact_writes', (t) => {
    t.uuid('connection_id').notNullable().references('hubspot_connections.id').onDelete('CASCADE');
    t.text('contact_id').notNullable();
    t.text('company_id');
    t.text('written_hash');
    t.timestamp('written_at', { useTz: true });
    t.text('write_error');
    t.primary(['connection_id', 'contact_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('contact_writes');
  await knex.schema.dropTable('sync_intents');
  await knex.schema.dropTable('record_syncs');
  await knex.schema.dropTable('hubspot_events');
  await knex.schema.alterTable('company_matches', (t) => {
    t.dropColumn('written_hash');
    t.dropColumn('written_at');
    t.dropColumn('write_error');
  });
  await knex.schema.dropTable('sync_batches');
  await knex.schema.dropTable('sync_runs');
  await knex.raw('DROP FUNCTION kustiq_take_slot(bigint, text, int, int)');
  await knex.schema.dropTable('rate_budgets');
}
