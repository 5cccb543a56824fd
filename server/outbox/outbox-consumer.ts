import { GraphQLError } from 'graphql';
import pg from 'pg';
import { orgExists } from '../auth/access.js';
import type { Services } from '../context.js';
import { checkEventInput } from '../domain/event-input.js';
import { appendFromDatabase } from '../domain/publish.js';
import type { NewEvent } from '../store/types.js';
import { notifyChannel } from './outbox-sql.js';

/** Rows read per round: one group-commit transaction per organization among them. */
const BATCH = 500;
/** After the app's database went away, the next attempt to reconnect. */
const RECONNECT_MS = 1_000;
/** A connection attempt that has not completed by then is abandoned (and retried), not waited on forever. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The outbox's events are the app backend's: a service actor, exempt from users' publish budgets. */
const ACTOR = { id: 'outbox', name: 'Transactional outbox', isService: true } as const;

interface OutboxRow {
  id: string;
  org_id: string;
  channel: string;
  type: string;
  subject_id: string | null;
  payload: unknown;
  audience: unknown;
}

export interface OutboxOptions {
  databaseUrl: string;
  table: string;
  /** How often a missed notification is caught up with, and a standby tries to take over. */
  pollMs: number;
  onPublished?: (count: number) => void;
  onDeadLettered?: (count: number) => void;
}

/**
 * Consumes the app's transactional outbox (docs/change-feeds.md). Of all instances, the one holding the
 * table's advisory lock consumes (a session lock: it goes with its connection, so another instance takes over
 * within `pollMs` of a crash). Woken by the trigger's NOTIFY, and on a timer in case one was missed, it reads
 * rows in id order and appends each as an event of its organization with the idempotency key `outbox:<table>:<id>`
 * before deleting it: a crash between the two appends nothing twice. A row that cannot become an event (unknown
 * organization, a payload its catalog type refuses, a bad audience) moves to `<table>_dead` with its reason.
 */
export class OutboxConsumer {
  private client: pg.Client | undefined;
  /** The attempt in progress: the timer's rounds must not open a second connection beside it. */
  private connecting = false;
  /** Whether the last attempt failed, so that a database that stays unreachable is logged once, not every second. */
  private unreachable = false;
  private leader = false;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly lockKey: string;

  constructor(
    private readonly services: Services,
    private readonly o: OutboxOptions,
  ) {
    this.lockKey = `switchboard:${o.table}`;
  }

  start(): void {
    void this.connect();
    this.timer = setInterval(() => void this.tick(), this.o.pollMs);
    this.timer.unref();
  }

  /** Connected to the app's database (consuming, or standing by). */
  healthy(): boolean {
    return this.client !== undefined;
  }

  get consuming(): boolean {
    return this.leader;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.client || this.connecting) return;
    this.connecting = true;
    const client = new pg.Client({ connectionString: this.o.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.kick());
    try {
      await client.connect();
      await client.query(`listen ${notifyChannel(this.o.table)}`);
      if (this.stopped) return void client.end().catch(() => undefined);
      this.client = client;
      this.unreachable = false;
    } catch (err) {
      if (!this.unreachable) this.services.log.warn({ err }, "outbox: cannot reach the app's database; retrying");
      this.unreachable = true;
      return this.lost(client);
    } finally {
      this.connecting = false;
    }
    await this.tick();
  }

  private lost(client: pg.Client, err?: unknown): void {
    const current = this.client === client;
    if (current) {
      this.client = undefined;
      this.leader = false;
      if (err) this.services.log.warn({ err }, "outbox: lost the app's database; reconnecting");
    }
    client.end().catch(() => undefined);
    // The current connection lost, or an attempt failed: try again (connect() drops a second try while one runs).
    // A connection already replaced schedules nothing: its 'error' and 'end' come here too.
    if (!this.stopped && (current || this.connecting)) setTimeout(() => void this.connect(), RECONNECT_MS).unref();
  }

  /** The timer's round: reconnect, take the lock when free, catch up with anything a notification missed. */
  private async tick(): Promise<void> {
    const client = this.client;
    if (!client) return this.connect();
    if (!this.leader) {
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock(hashtext($1)) as locked',
          [this.lockKey],
        );
        // Only the current connection's answer counts: the lock belongs to the session that took it.
        if (this.client !== client) return;
        this.leader = rows[0]?.locked === true;
        if (this.leader) this.services.log.info({ table: this.o.table }, 'outbox: consuming');
      } catch (err) {
        return this.lost(client, err);
      }
    }
    this.kick();
  }

  private kick(): void {
    if (!this.leader || this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err: unknown) => this.services.log.warn({ err }, 'outbox: a round failed; rows stay for the next'))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const client = this.client;
      if (!client || !this.leader || this.stopped) return;
      // `order by <table>.id`: a bare `id` would name the text column selected below, and sort 10 before 9.
      const { rows } = await client.query<OutboxRow>(
        `select id::text, org_id, channel, type, subject_id, payload, audience from ${this.o.table} order by ${this.o.table}.id limit ${BATCH}`,
      );
      if (rows.length === 0) return;
      await this.process(client, rows);
      if (rows.length < BATCH) return;
    }
  }

  /** One round: each organization's valid rows appended (in id order), the others dead-lettered, all deleted. */
  private async process(client: pg.Client, rows: OutboxRow[]): Promise<void> {
    const items: Array<{ event: NewEvent; key: string }> = [];
    const dead: Array<{ row: OutboxRow; reason: string }> = [];
    for (const row of rows) {
      const checked = await this.check(row);
      if ('reason' in checked) dead.push({ row, reason: checked.reason });
      else items.push({ event: checked.event, key: `outbox:${this.o.table}:${row.id}` });
    }
    await appendFromDatabase(this.services, items);
    await client.query('begin');
    try {
      for (const d of dead) {
        await client.query(
          `insert into ${this.o.table}_dead (id, row, reason) values ($1, $2, $3) on conflict (id) do nothing`,
          [d.row.id, JSON.stringify(d.row), d.reason],
        );
      }
      await client.query(`delete from ${this.o.table} where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
    const published = rows.length - dead.length;
    if (published > 0) this.o.onPublished?.(published);
    if (dead.length > 0) {
      this.o.onDeadLettered?.(dead.length);
      this.services.log.warn(
        { count: dead.length, table: this.o.table },
        'outbox: rows moved to the dead-letter table',
      );
    }
  }

  /** The event a row becomes, or why it cannot (the same checks as every other way of publishing). */
  private async check(row: OutboxRow): Promise<{ event: NewEvent } | { reason: string }> {
    // Known organizations are remembered per process (auth/access.ts): no query per row.
    if (!(await orgExists(this.services.store, row.org_id)))
      return { reason: `organization "${row.org_id.slice(0, 64)}" does not exist` };
    const input = { orgId: row.org_id, channel: row.channel, type: row.type, subjectId: row.subject_id };
    try {
      const checked = checkEventInput(this.services, { ...input, payload: row.payload, audience: row.audience });
      return { event: { ...input, ...checked, actor: ACTOR } };
    } catch (err) {
      if (err instanceof GraphQLError) return { reason: err.message };
      throw err;
    }
  }
}
