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
  // Every name a profile goes by (its name and former names), normalised, for pg_trgm search.
  await knex.schema.createTable('profile_names', (t) => {
    t.text('profile_id').notNullable().references('profiles.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.primary(['profile_id', 'key']);
  });
  // GiST, not GIN: it serves the nearest-neighbour order (key <-> query) straight from the index.
  await knex.raw('CREATE INDEX profile_names_key_trgm ON profile_names USING gist (key gist_trgm_ops)');
  await knex.raw('CREATE INDEX profile_names_key ON profile_names (key)');
  // Name tokens per profile: the fast candidate path (a profile's rarest shared token).
  await knex.schema.createTable('profile_name_tokens', (t) => {
    t.text('token').notNullable();
    t.text('profile_id').notNullable().references('profiles.id').onDelete('CASCADE');
    t.primary(['token', 'profile_id']);
    t.index(['profile_id']);
  });
  // How many profiles carry each name token: the matcher's rarity weights (IDF).
  await knex.schema.createTable('profile_token_df', (t) => {
    t.text('token').primary();
    t.integer('df').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('profile_token_df');
  await knex.schema.dropTable('profile_name_tokens');
  await knex.schema.dropTable('profile_names');
  await knex.schema.dropTable('profiles');
}
