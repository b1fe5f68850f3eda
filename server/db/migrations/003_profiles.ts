import type { Knex } from 'knex';

/**
 * The profile graph. `values` holds the catalog fields (without their kustiq_ prefix);
 * `values_changed_at` moves only when a profile's values, name, domain or aliases really
 * change, so the sync can ask "which profiles changed since T" cheaply. pg_trgm serves
 * the name fallback's candidate search.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.schema.createTable('profiles', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('domain').notNullable();
    t.specificType('aliases', 'text[]').notNullable().defaultTo('{}');
    t.text('name_key').notNullable();
    t.jsonb('values').notNullable().defaultTo('{}');
    t.boolean('sample').notNullable().defaultTo(false);
    t.timestamp('values_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['domain']);
    t.index(['values_changed_at']);
  });
  await knex.raw('CREATE INDEX profiles_name_key_trgm ON profiles USING gin (name_key gin_trgm_ops)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('profiles');
}
