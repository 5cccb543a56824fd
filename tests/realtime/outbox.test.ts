import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { outboxSchemaSql } from '../../server/outbox/outbox-sql.js';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { spawnServer } from '../support/process.js';
import { TEST_SECRET, type TestServer, startServer, token, uniquePrefix } from '../support/server.js';

/** The app's own PostgreSQL database (not Switchboard's), with its business table and the outbox. */
async function createAppDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `app_${inject('runId')}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(inject('postgresAdminUrl'));
  url.pathname = `/${name}`;
  const app = new pg.Client({ connectionString: url.toString() });
  await app.connect();
  await app.query('create table properties (id text primary key, org_id text not null, price integer not null)');
  await app.query(outboxSchemaSql('switchboard_outbox'));
  await app.end();
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The subjects of the organization's property.update events, as stored (oldest first). */
async function updatedSubjects(server: TestServer, org: { id: string; tokens: Record<string, string> }) {
  const data = await gqlOk(
    server.graphqlUrl,
    'query($o: ID!) { events(orgId: $o, types: ["property.update"]) { nodes { subjectId } } }',
    { o: org.id },
    org.tokens.alice,
  );
  return data.events.nodes as Array<{ subjectId: string }>;
}

/**
 * What the databases were doing, printed when a test of this file fails: the outbox's rows, and every
 * connection of the app's and Switchboard's databases that is not idle (what it runs, what it waits on).
 */
async function databaseState(appUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  const app = new pg.Client({ connectionString: appUrl });
  try {
    await admin.connect();
    await app.connect();
    const outbox = (await app.query('select count(*)::int as rows from switchboard_outbox')).rows[0];
    const activity = (
      await admin.query(
        `select datname, pid, state, wait_event_type, wait_event, now() - xact_start as in_transaction, left(query, 120) as query
         from pg_stat_activity where datname in ($1, $2) and state <> 'idle' and pid <> pg_backend_pid()`,
        [new URL(appUrl).pathname.slice(1), new URL(inject('postgresUrl')).pathname.slice(1)],
      )
    ).rows;
    return JSON.stringify({ outbox, activity }, null, 1);
  } catch (err) {
    return `(state unavailable: ${String(err)})`;
  } finally {
    await admin.end().catch(() => undefined);
    await app.end().catch(() => undefined);
  }
}

/** A logger keeping the servers' lines (info and up), printed when a test fails. */
function keptLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(line) }) };
}

/**
 * How long a row may take from the app's commit to a subscriber: the consumer's poll (200 ms here), a group
 * commit on the shared PostgreSQL and Redis. Generous, as for the crash test below: twice, the default 5 s ran
 * out in a full CI run on a loaded 2-core machine, while each file alone delivers in well under a second.
 */
const DELIVERY_WAIT_MS = 15_000;

describe('the transactional outbox: events from the app database, in its transactions', () => {
  let appDb: Awaited<ReturnType<typeof createAppDatabase>>;
  let app: pg.Client;
  let a: TestServer;
  let b: TestServer;
  const stopped = new Set<TestServer>();
  const logs = { a: keptLogger(), b: keptLogger() };
  beforeAll(async () => {
    appDb = await createAppDatabase();
    app = new pg.Client({ connectionString: appDb.url });
    await app.connect();
    const options = {
      redis: true,
      postgres: true,
      redisPrefix: uniquePrefix(),
      env: { OUTBOX_DATABASE_URL: appDb.url, OUTBOX_POLL: '200ms' },
    };
    [a, b] = [
      await startServer({ ...options, logger: logs.a.logger }),
      await startServer({ ...options, logger: logs.b.logger }),
    ];
  });
  beforeEach(({ onTestFailed }) =>
    onTestFailed(async () => {
      const consumers = [a, b].map((s) => ({ healthy: s.app.outbox?.healthy(), consuming: s.app.outbox?.consuming }));
      console.error(
        `outbox consumers (a, b): ${JSON.stringify(consumers)}\n${await databaseState(appDb.url)}\n` +
          `a's log:\n${logs.a.lines.join('')}\nb's log:\n${logs.b.lines.join('')}`,
      );
    }),
  );
  afterAll(async () => {
    await Promise.all([a, b].filter((s) => !stopped.has(s)).map((s) => s.stop()));
    await app.end();
    await appDb.drop();
  });

  /** The app's write: its own row and the event, committed together (or rolled back together). */
  async function updatePrice(orgId: string, id: string, price: number, commit = true) {
    await app.query('begin');
    await app.query(
      'insert into properties (id, org_id, price) values ($1, $2, $3) on conflict (id) do update set price = $3',
      [id, orgId, price],
    );
    await app.query(
      `insert into switchboard_outbox (org_id, channel, type, subject_id, payload) values ($1, 'property', 'property.update', $2, $3)`,
      [orgId, id, JSON.stringify({ price })],
    );
    await app.query(commit ? 'commit' : 'rollback');
  }

  it('delivers a committed row as a typed event, once, and nothing of a rolled-back one', async () => {
    const org = await createOrg(a, 'alice');
    const client = connect('ws', b, org.tokens.alice);
    const before = b.app.services.bus.stats().subscriptions;
    const live = client.subscribe(
      `subscription($o: ID!) { events(orgId: $o) { type subjectId actor { id isService } data { ... on PropertyUpdatePayload { price } } } }`,
      { o: org.id },
    );
    await until(() => b.app.services.bus.stats().subscriptions > before, 'the subscription');
    await updatePrice(org.id, 'p-1', 410_000, false); // rolled back: never announced
    await updatePrice(org.id, 'p-1', 420_000);
    expect((await live.results.next('the committed change', DELIVERY_WAIT_MS)).data.events).toEqual({
      type: 'property.update',
      subjectId: 'p-1',
      actor: { id: 'outbox', isService: true },
      data: { price: 420_000 },
    });
    await until(
      async () => (await app.query('select count(*)::int as n from switchboard_outbox')).rows[0].n === 0,
      'the row consumed',
    );
    const marker = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await live.results.next('the next event', DELIVERY_WAIT_MS)).data.events.type).toBe('user.activity');
    expect(marker.id).toMatch(/^evt_/);
    await client.dispose();
  });

  it('moves a row that cannot become an event aside, with its reason, and delivers the rows behind it', async () => {
    const org = await createOrg(a, 'alice');
    const insert = (orgId: string, type: string, payload: unknown, audience?: unknown) =>
      app.query(
        'insert into switchboard_outbox (org_id, channel, type, payload, audience) values ($1, $2, $3, $4, $5) returning id',
        [orgId, 'property', type, JSON.stringify(payload), audience === undefined ? null : JSON.stringify(audience)],
      );
    const client = connect('ws', b, org.tokens.alice);
    const before = b.app.services.bus.stats().subscriptions;
    const live = client.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(() => b.app.services.bus.stats().subscriptions > before, 'the subscription');
    await app.query('begin');
    await insert('org_nope', 'property.update', { price: 1 });
    await insert(org.id, 'property.update', { price: 'a lot' }); // the built-in type wants a number
    await insert(org.id, 'property.update', { price: 2 }, { roles: ['GOD'] });
    await insert(org.id, 'property.update', { price: 3 });
    await app.query('commit');
    const delivered = await live.results.next('the valid row', DELIVERY_WAIT_MS);
    expect(delivered.data.events.payload).toEqual({ price: 3 });
    await until(
      async () => (await app.query('select count(*)::int as n from switchboard_outbox_dead')).rows[0].n >= 3,
      'the dead letters',
    );
    const dead = (await app.query('select reason from switchboard_outbox_dead order by id')).rows.map((r) => r.reason);
    expect(dead).toEqual([
      'organization "org_nope" does not exist',
      expect.stringMatching(/^Invalid payload for event type "property\.update": payload\.price must be number/),
      expect.stringMatching(/audience\.roles: "GOD" is not a role/),
    ]);
    const metrics = await (await fetch(`${(a.app.outbox?.consuming ? a : b).url}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_outbox_dead_letters_total [3-9]/m);
    await client.dispose();
  });

  it("resumes by itself when the app's database drops its connections", async () => {
    const org = await createOrg(a, 'alice');
    await app.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    await updatePrice(org.id, 'p-9', 777_000);
    const history = () => updatedSubjects(a, org);
    await until(async () => (await history()).length === 1, 'the event after the reconnect', 10_000);
    expect(await history()).toEqual([{ subjectId: 'p-9' }]);
    await until(() => a.app.outbox?.healthy() === true && b.app.outbox?.healthy() === true, 'both reconnected');
  });

  it('is consumed by one instance at a time; when it stops, the other takes over', async () => {
    const consumers = () => [a, b].filter((s) => !stopped.has(s) && s.app.outbox?.consuming);
    await until(() => consumers().length === 1, 'one consumer');
    const [leader] = consumers() as [TestServer];
    const other = leader === a ? b : a;
    const org = await createOrg(other, 'alice');
    await leader.stop();
    stopped.add(leader);
    await updatePrice(org.id, 'p-2', 500_000);
    await until(() => other.app.outbox?.consuming === true, 'the takeover', 10_000);
    const history = () => updatedSubjects(other, org);
    await until(async () => (await history()).length === 1, 'the event after the takeover', 10_000);
    expect(await history()).toEqual([{ subjectId: 'p-2' }]);
  });
});

/**
 * A TCP relay to the machine's PostgreSQL that holds the connections it accepts during its first `holdMs`, then
 * passes them all on at once (later ones go straight through): an app database slow to accept connections on a
 * loaded machine, where several attempts then complete in the same turn of the event loop.
 */
async function slowRelay(
  holdMs: number,
): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const target = new URL(inject('postgresAdminUrl'));
  const sockets = new Set<net.Socket>();
  const held: net.Socket[] = [];
  let accepted = 0;
  let open = false;
  const pass = (inbound: net.Socket) => {
    if (inbound.destroyed) return;
    const outbound = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(outbound);
    outbound.on('error', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  };
  const relay = net.createServer((inbound) => {
    accepted++;
    sockets.add(inbound);
    inbound.on('error', () => inbound.destroy());
    if (open) pass(inbound);
    else held.push(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const timer = setTimeout(() => {
    open = true;
    held.forEach(pass);
  }, holdMs);
  return {
    port: (relay.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describe("the outbox's database slow to accept connections", () => {
  it('one connection, which takes the lock and consumes (connecting slower than the poll opens no second one)', async () => {
    const appDb = await createAppDatabase();
    const relay = await slowRelay(1_000);
    const viaRelay = new URL(appDb.url);
    viaRelay.port = String(relay.port);
    const app = new pg.Client({ connectionString: appDb.url });
    await app.connect();
    // Polling every 200 ms, while the first connection takes a second to open.
    const server = await startServer({ env: { OUTBOX_DATABASE_URL: viaRelay.toString(), OUTBOX_POLL: '200ms' } });
    try {
      const org = await createOrg(server, 'alice');
      await app.query(
        `insert into switchboard_outbox (org_id, channel, type, subject_id, payload) values ($1, 'property', 'property.update', 'p-1', '{"price": 1}')`,
        [org.id],
      );
      await until(() => server.app.outbox?.consuming === true, 'the consumer to take the lock', 10_000);
      await until(async () => (await updatedSubjects(server, org)).length === 1, 'the row consumed', 10_000);
      const consumerConnections = await app.query(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      expect(consumerConnections.rows[0].n).toBe(1);
    } finally {
      await server.stop();
      await app.end();
      await relay.close();
      await appDb.drop();
    }
  });
});

describe("the outbox's database unreachable", () => {
  it('/ready says so, and the rest of the server works', async () => {
    const server = await startServer({
      env: { OUTBOX_DATABASE_URL: 'postgres://127.0.0.1:1/nowhere', OUTBOX_POLL: '200ms' },
    });
    try {
      const res = await fetch(`${server.url}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', checks: { storage: true, outbox: false } });
      const org = await createOrg(server, 'alice');
      expect(
        (await publish(server, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' })).id,
      ).toMatch(/^evt_/);
    } finally {
      await server.stop();
    }
  });
});

describe('the outbox through a crash', () => {
  it('a consumer killed (SIGKILL) in the middle of 10,000 rows: after a restart, every row once, in order', async () => {
    const appDb = await createAppDatabase();
    const app = new pg.Client({ connectionString: appDb.url });
    await app.connect();
    const env = {
      NODE_ENV: 'test',
      AUTH_JWT_SECRET: TEST_SECRET,
      DATABASE_URL: inject('postgresUrl'),
      OUTBOX_DATABASE_URL: appDb.url,
      OUTBOX_POLL: '200ms',
      LIMIT_ORGANIZATIONS_PER_USER: '10000',
    };
    let server = await spawnServer({ ...env, LOG_LEVEL: 'info' });
    try {
      const owner = await token('alice');
      const orgId = (
        await gqlOk(`${server.url}/graphql`, 'mutation { createOrganization(name: "Crash") { id } }', {}, owner)
      ).createOrganization.id as string;
      const total = 10_000;
      const left = async () =>
        (await app.query('select count(*)::int as n from switchboard_outbox')).rows[0].n as number;
      for (let start = 0; start < total; start += 500) {
        await app.query(
          `insert into switchboard_outbox (org_id, channel, type, payload)
           select $1, 'data', 'data.sync', jsonb_build_object('n', n) from generate_series($2::int, $3::int) as n`,
          [orgId, start, start + 499],
        );
      }
      // Generous: a server child under a loaded CI machine may take seconds to its first poll.
      await until(async () => (await left()) < total, 'the consumer to start', 20_000);
      expect(await server.stop('SIGKILL')).not.toBe(0);
      expect(await left()).toBeGreaterThan(0); // killed before the end
      server = await spawnServer({ ...env, LOG_LEVEL: 'info' });
      await until(async () => (await left()) === 0, 'the rest consumed after the restart', 20_000);
      const seen: number[] = [];
      let after: string | null = null;
      for (;;) {
        const page: {
          nodes: Array<{ payload: { n: number } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        } = (
          await gqlOk(
            `${server.url}/graphql`,
            'query($o: ID!, $a: String) { events(orgId: $o, types: ["data.sync"], first: 500, after: $a) { nodes { payload } pageInfo { hasNextPage endCursor } } }',
            { o: orgId, a: after },
            owner,
          )
        ).events;
        seen.push(...page.nodes.map((e) => e.payload.n));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    } catch (err) {
      console.error(`${await databaseState(appDb.url)}\nthe server's log:\n${server.stdout()}\n${server.stderr()}`);
      throw err;
    } finally {
      await server.stop('SIGKILL');
      await app.end();
      await appDb.drop();
    }
  }, 60_000);
});
