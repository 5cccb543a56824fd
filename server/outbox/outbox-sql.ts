/** A table name an operator may choose: plain identifiers only (it is written into SQL). */
export const TABLE_NAME = /^[a-z_][a-z0-9_]{0,50}$/;

/** The notification channel the outbox's trigger signals on, and the advisory lock its consumer holds. */
export const notifyChannel = (table: string) => `${table}_inserted`;

/**
 * The outbox an app writes its events into, in the same transaction as its own change (docs/change-feeds.md):
 * the table, the table rows that cannot become events are moved to (with the reason), and a statement-level
 * trigger that wakes Switchboard. Idempotent: safe to run again.
 */
export function outboxSchemaSql(table: string): string {
  if (!TABLE_NAME.test(table)) throw new Error(`outbox table "${table}" must be a plain lower-case identifier`);
  const channel = notifyChannel(table);
  return `create table if not exists ${table} (
  id bigserial primary key,
  org_id text not null,
  channel text not null,
  type text not null,
  subject_id text,
  payload jsonb,
  audience jsonb,
  created_at timestamptz not null default now()
);
create table if not exists ${table}_dead (
  id bigint primary key,
  row jsonb not null,
  reason text not null,
  failed_at timestamptz not null default now()
);
create or replace function ${table}_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('${channel}', '');
  return null;
end $$;
drop trigger if exists ${table}_notify on ${table};
create trigger ${table}_notify after insert on ${table} for each statement execute function ${table}_notify();
`;
}
