import { GraphQLError } from 'graphql';
import pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { orgExists } from '../auth/access.js';
import type { CapturedTable } from '../config.js';
import type { Services } from '../context.js';
import { checkEventInput } from '../domain/event-input.js';
import { appendFromDatabase } from '../domain/publish.js';
import type { NewEvent } from '../store/types.js';

export type { CapturedTable } from '../config.js';

export interface ChangeCaptureOptions {
  databaseUrl: string;
  tables: CapturedTable[];
  slot: string;
  publication: string;
  onPublished?: (count: number) => void;
  onSkipped?: (count: number) => void;
}

/** After the database went away (or another instance holds the slot), the next attempt. */
const RETRY_MS = 2_000;
/** How often the slot's lag is read for /metrics. */
const LAG_EVERY_MS = 10_000;
const ACTOR = { id: 'change-capture', name: 'Change capture', isService: true } as const;

type Change = Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete;

/**
 * Reads the app database's logical replication stream (pgoutput, through pg-logical-replication) and turns each
 * committed insert, update and delete of the configured tables into an event `<table>.insert|update|delete` of the
 * row's organization, carrying only the allow-listed columns. A transaction's events are appended (idempotency key
 * `cdc:<slot>:<commit LSN>:<n>`) before its commit is acknowledged to the slot: after a crash the slot replays
 * from the last acknowledged commit and the keys publish nothing twice. One instance streams from the slot at a
 * time (PostgreSQL refuses a second); the others retry and take over when it goes.
 */
export class ChangeCapture {
  private service: LogicalReplicationService | undefined;
  private pending: Change[] = [];
  private stopped = false;
  private streaming = false;
  /** Another instance streams from the slot: this one stands by (healthy, not streaming). */
  private standby = false;
  private lagBytes = 0;
  /** The end of the last transaction acknowledged: what a keep-alive may report as flushed. */
  private acked: string | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly byName: Map<string, CapturedTable>;

  constructor(
    private readonly services: Services,
    private readonly o: ChangeCaptureOptions,
  ) {
    this.byName = new Map(o.tables.map((t) => [qualified(t.table), t]));
  }

  start(): void {
    void this.run();
    this.lagTimer = setInterval(() => void this.readLag(), LAG_EVERY_MS);
    this.lagTimer.unref();
  }

  /** Streaming from the slot now. */
  get active(): boolean {
    return this.streaming;
  }

  /** For /ready: this instance streams, or stands by while another does; false while the stream is down. */
  healthy(): boolean {
    return this.streaming || this.standby;
  }

  /** Bytes of WAL the slot holds back that this consumer has not acknowledged (last read). */
  get lag(): number {
    return this.lagBytes;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.lagTimer);
    await this.service?.stop().catch(() => undefined);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.prepare();
      const service = new LogicalReplicationService(
        { connectionString: this.o.databaseUrl },
        { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
      );
      this.service = service;
      service.on('data', (lsn: string, message: Pgoutput.Message) => this.receive(service, lsn, message));
      service.on('error', (err: Error) => this.services.log.warn({ err }, 'change capture: stream error'));
      // PostgreSQL asks for a sign of life now and then: report what is done, never more.
      service.on('heartbeat', (_lsn: string, _t: number, shouldRespond: boolean) => {
        if (shouldRespond && this.acked) void service.acknowledge(this.acked, true).catch(() => undefined);
      });
      service.on('start', () => {
        this.streaming = true;
        this.services.log.info({ slot: this.o.slot }, 'change capture: streaming');
      });
      const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.o.publication] });
      await service.subscribe(plugin, this.o.slot);
      this.standby = false;
    } catch (err) {
      // PostgreSQL lets one connection use a slot: another instance streams, this one waits its turn.
      this.standby = /replication slot .* is active/i.test(String((err as Error)?.message));
      if (!this.stopped && !this.standby) this.services.log.warn({ err }, 'change capture: not streaming; retrying');
    }
    this.streaming = false;
    this.pending = [];
    await this.service?.stop().catch(() => undefined);
    this.service = undefined;
    if (!this.stopped) setTimeout(() => void this.run(), RETRY_MS).unref();
  }

  /** The publication of the configured tables and the slot, created when missing (idempotent). */
  private async prepare(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl });
    await client.connect();
    try {
      const tables = this.o.tables.map((t) => quoteTable(t.table)).join(', ');
      const exists = await client.query('select 1 from pg_publication where pubname = $1', [this.o.publication]);
      await client.query(
        exists.rowCount
          ? `alter publication ${quoteIdent(this.o.publication)} set table ${tables}`
          : `create publication ${quoteIdent(this.o.publication)} for table ${tables}`,
      );
      const slot = await client.query('select 1 from pg_replication_slots where slot_name = $1', [this.o.slot]);
      if (!slot.rowCount)
        await client.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [this.o.slot]);
    } finally {
      await client.end();
    }
  }

  private async receive(service: LogicalReplicationService, lsn: string, message: Pgoutput.Message): Promise<void> {
    if (message.tag === 'begin') this.pending = [];
    else if (message.tag === 'insert' || message.tag === 'update' || message.tag === 'delete')
      this.pending.push(message);
    else if (message.tag === 'commit') {
      const changes = this.pending;
      this.pending = [];
      if (changes.length > 0) await this.publish(message.commitLsn ?? lsn, changes);
      this.acked = message.commitEndLsn ?? lsn;
      await service.acknowledge(this.acked);
    }
  }

  /** One committed transaction: its events appended per organization, in the transaction's order. */
  private async publish(commitLsn: string, changes: Change[]): Promise<void> {
    const items: Array<{ event: NewEvent; key: string }> = [];
    for (const [i, change] of changes.entries()) {
      const event = await this.eventOf(change);
      if (event) items.push({ event, key: `cdc:${this.o.slot}:${commitLsn}:${i}` });
    }
    await appendFromDatabase(this.services, items);
    if (items.length > 0) this.o.onPublished?.(items.length);
    if (items.length < changes.length) this.o.onSkipped?.(changes.length - items.length);
  }

  /** The event a change becomes; undefined (logged, counted) when it cannot be one. */
  private async eventOf(change: Change): Promise<NewEvent | undefined> {
    const table = this.byName.get(`${change.relation.schema}.${change.relation.name}`);
    if (!table) return undefined;
    const row = change.tag === 'delete' ? (change.old ?? change.key) : change.new;
    const orgId = row?.[table.orgColumn];
    if (typeof orgId !== 'string' || !(await orgExists(this.services.store, orgId))) {
      this.services.log.warn(
        { table: table.table, op: change.tag },
        'change capture: a change without a known organization',
      );
      return undefined;
    }
    const payload = Object.fromEntries(
      table.columns.filter((c) => row && c in row).map((c) => [c, jsonValue(row?.[c])]),
    );
    const subject = table.subjectColumn ? row?.[table.subjectColumn] : undefined;
    const input = {
      orgId,
      channel: table.channel ?? change.relation.name,
      type: `${table.typePrefix ?? change.relation.name}.${change.tag}`,
      subjectId: subject === undefined || subject === null ? null : String(subject),
    };
    try {
      return { ...input, ...checkEventInput(this.services, { ...input, payload }), actor: ACTOR };
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      this.services.log.warn({ table: table.table, reason: err.message }, 'change capture: a change that is no event');
      return undefined;
    }
  }

  private async readLag(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl });
    try {
      await client.connect();
      const { rows } = await client.query<{ lag: string | null }>(
        'select pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text as lag from pg_replication_slots where slot_name = $1',
        [this.o.slot],
      );
      this.lagBytes = Number(rows[0]?.lag ?? 0);
    } catch {
      // The database is away: the stream's own retry says so.
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

const qualified = (table: string) => (table.includes('.') ? table : `public.${table}`);
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteTable = (table: string) => qualified(table).split('.').map(quoteIdent).join('.');
/** Values as JSON carries them: numbers and strings as they are, bigints and dates as strings. */
const jsonValue = (v: unknown) =>
  typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v === undefined ? null : v;
