import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

/**
 * Versioned migrations, run at start by Kysely's Migrator. Written once for both dialects:
 * only types both SQLite and PostgreSQL understand (text, bigint, integer).
 * Never edit a migration that has shipped; add the next one.
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('pruned_through', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['org_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user_idx').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('events')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text')
        .addColumn('payload', 'text')
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_name', 'text')
        .addColumn('actor_is_service', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['org_id', 'seq'])
        .execute();
      await db.schema.createIndex('events_occurred_idx').on('events').column('occurred_at').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['events', 'memberships', 'organizations', 'users'])
        await sql`drop table ${sql.table(t)}`.execute(db);
    },
  },
  '0002_notifications': {
    async up(db: Kysely<unknown>) {
      // Events meant for some members only (notification.new): the recipients are listed here.
      await db.schema
        .alterTable('events')
        .addColumn('restricted', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('event_audience')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_audience_pk', ['org_id', 'seq', 'user_id'])
        .addForeignKeyConstraint('event_audience_event_fk', ['org_id', 'seq'], 'events', ['org_id', 'seq'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text')
        .addColumn('data', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('read_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('notifications_user_idx')
        .on('notifications')
        .columns(['user_id', 'created_at', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table notifications`.execute(db);
      await sql`drop table event_audience`.execute(db);
      await db.schema.alterTable('events').dropColumn('restricted').execute();
    },
  },
  '0003_api_keys': {
    async up(db: Kysely<unknown>) {
      // Per-organization credentials for app backends. Only a hash of the secret is kept (shown once at creation).
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_org_idx').on('api_keys').columns(['org_id', 'created_at']).execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table api_keys`.execute(db);
    },
  },
  '0004_idempotency_keys': {
    async up(db: Kysely<unknown>) {
      // (org, key) -> the event it published. The primary key makes a second event for a key impossible; the
      // cascade removes a key with its event (retention, a restored log), so a key lives as long as its event.
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'key'])
        .addForeignKeyConstraint('idempotency_keys_event_fk', ['org_id', 'seq'], 'events', ['org_id', 'seq'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();
      // What the cascade looks up for every deleted event.
      await db.schema
        .createIndex('idempotency_keys_seq_idx')
        .on('idempotency_keys')
        .columns(['org_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table idempotency_keys`.execute(db);
    },
  },
  '0005_audience_roles': {
    async up(db: Kysely<unknown>) {
      // Private events may name roles as well as users (`,ADMIN,OWNER,`); `restricted` still marks them all.
      await db.schema.alterTable('events').addColumn('audience_roles', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('events').dropColumn('audience_roles').execute();
    },
  },
  '0006_channel_rules': {
    async up(db: Kysely<unknown>) {
      // Only channels that differ from the defaults have a row; no row = VIEWER reads, MEMBER publishes.
      await db.schema
        .createTable('channel_rules')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('subscribe_role', 'text', (c) => c.notNull())
        .addColumn('publish_role', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('channel_rules_pk', ['org_id', 'channel'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table channel_rules`.execute(db);
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
