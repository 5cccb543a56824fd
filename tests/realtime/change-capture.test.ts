import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../support/clients.js';
import { createOrg } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { startPrivatePostgres } from '../support/private-postgres.js';
import { spawnServer } from '../support/process.js';
import { TEST_SECRET, type TestServer, startServer, token } from '../support/server.js';

const TABLES = JSON.stringify([
  { table: 'properties', orgColumn: 'org_id', columns: ['id', 'price', 'status'], subjectColumn: 'id' },
]);

/** The app's tables in a private PostgreSQL with wal_level=logical; `owner_ssn` must never leave the database. */
async function appDatabase(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create table properties (
    id text primary key, org_id text not null, price integer not null, status text, owner_ssn text)`);
  // Deletes carry the organization only with the whole old row.
  await client.query('alter table properties replica identity full');
  return client;
}

describe("change capture: the app database's own log, no app changes", () => {
  let pgServer: Awaited<ReturnType<typeof startPrivatePostgres>>;
  let app: pg.Client;
  let server: TestServer;
  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    app = await appDatabase(pgServer.url);
    server = await startServer({ env: { CDC_DATABASE_URL: pgServer.url, CDC_TABLES: TABLES } });
    await until(() => server.app.changeCapture?.active === true, 'the stream', 10_000);
  }, 30_000);
  afterAll(async () => {
    await server.stop();
    await app.end();
    pgServer.stop();
  });

  it('turns committed inserts, updates and deletes into events with the allowed columns only', async () => {
    const org = await createOrg(server, 'alice');
    const client = connect('ws', server, org.tokens.alice);
    const before = server.app.services.bus.stats().subscriptions;
    const live = client.subscribe(
      'subscription($o: ID!) { events(orgId: $o) { type channel subjectId payload actor { id isService } } }',
      { o: org.id },
    );
    await until(() => server.app.services.bus.stats().subscriptions > before, 'the subscription');
    await app.query(`insert into properties values ('p-1', $1, 400000, 'listed', '123-45-6789')`, [org.id]);
    await app.query('begin');
    await app.query(`update properties set price = 455000 where id = 'p-1'`);
    await app.query(`insert into properties values ('p-2', $1, 1, null, 'x')`, [org.id]);
    await app.query('rollback'); // never happened: never announced
    await app.query(`update properties set price = 455000 where id = 'p-1'`);
    await app.query(`delete from properties where id = 'p-1'`);
    const events = (await live.results.take(3, 'the three changes')).map((r) => r.data.events);
    const actor = { id: 'change-capture', isService: true };
    expect(events).toEqual([
      {
        type: 'properties.insert',
        channel: 'properties',
        subjectId: 'p-1',
        payload: { id: 'p-1', price: 400000, status: 'listed' },
        actor,
      },
      {
        type: 'properties.update',
        channel: 'properties',
        subjectId: 'p-1',
        payload: { id: 'p-1', price: 455000, status: 'listed' },
        actor,
      },
      {
        type: 'properties.delete',
        channel: 'properties',
        subjectId: 'p-1',
        payload: { id: 'p-1', price: 455000, status: 'listed' },
        actor,
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('123-45-6789');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_change_capture_slot_lag_bytes \d+/m);
    expect(metrics).toMatch(/^switchboard_change_capture_events_total [3-9]/m);
    await client.dispose();
  });
});

describe('change capture when the app database restarts', () => {
  it('/ready says so meanwhile, and the stream resumes by itself, missing nothing', async () => {
    const pgServer = await startPrivatePostgres();
    let app = await appDatabase(pgServer.url);
    const server = await startServer({
      env: {
        CDC_DATABASE_URL: pgServer.url,
        CDC_TABLES: TABLES,
        CDC_SLOT: 'restart_test',
        CDC_PUBLICATION: 'restart_test',
      },
    });
    try {
      await until(() => server.app.changeCapture?.active === true, 'the stream', 10_000);
      const org = await createOrg(server, 'alice');
      await app.end();
      pgServer.restart();
      await until(async () => (await fetch(`${server.url}/ready`)).status === 503, '/ready to say so', 10_000);
      app = new pg.Client({ connectionString: pgServer.url });
      await app.connect();
      await app.query(`insert into properties values ('p-7', $1, 700000, 'listed', null)`, [org.id]);
      await until(async () => (await fetch(`${server.url}/ready`)).status === 200, 'the stream back', 15_000);
      const captured = async () =>
        (
          await gqlOk(
            server.graphqlUrl,
            'query($o: ID!) { events(orgId: $o, types: ["properties.insert"]) { nodes { subjectId } } }',
            { o: org.id },
            org.tokens.alice,
          )
        ).events.nodes;
      await until(async () => (await captured()).length === 1, 'the change made while it was away', 15_000);
      expect(await captured()).toEqual([{ subjectId: 'p-7' }]);
    } finally {
      await server.stop();
      await app.end().catch(() => undefined);
      pgServer.stop();
    }
  }, 60_000);
});

describe('change capture through a crash', () => {
  it('a server killed (SIGKILL) during 10,000 captured changes (1,000 transactions): after a restart, each once, in commit order', async () => {
    const pgServer = await startPrivatePostgres();
    const app = await appDatabase(pgServer.url);
    const env = {
      NODE_ENV: 'test',
      AUTH_JWT_SECRET: TEST_SECRET,
      DATABASE_URL: inject('postgresUrl'),
      CDC_DATABASE_URL: pgServer.url,
      CDC_TABLES: TABLES,
      CDC_SLOT: 'crash_test',
      CDC_PUBLICATION: 'crash_test',
      LIMIT_ORGANIZATIONS_PER_USER: '10000',
    };
    let child = await spawnServer(env);
    try {
      const owner = await token('alice');
      const graphql = () => `${child.url}/graphql`;
      const orgId = (await gqlOk(graphql(), 'mutation { createOrganization(name: "CDC") { id } }', {}, owner))
        .createOrganization.id as string;
      const count = async () =>
        (
          await gqlOk(
            graphql(),
            'query($o: ID!) { events(orgId: $o, types: ["properties.update"], first: 1) { nodes { id } } }',
            { o: orgId },
            owner,
          )
        ).events.nodes.length;
      await until(async () => (await fetch(`${child.url}/ready`)).status === 200, 'the stream ready', 10_000);
      await app.query(`insert into properties values ('p-1', $1, 0, 'listed', null)`, [orgId]);
      // 10,000 committed updates in 1,000 transactions (the price counts them).
      const total = 10_000;
      const writer = (async () => {
        for (let i = 1; i <= total; i += 10) {
          const updates = Array.from(
            { length: 10 },
            (_, k) => `update properties set price = ${i + k} where id = 'p-1';`,
          );
          await app.query(`begin; ${updates.join(' ')} commit;`);
        }
      })();
      await until(async () => (await count()) > 0, 'the first captured change', 20_000);
      expect(await child.stop('SIGKILL')).not.toBe(0);
      await writer;
      child = await spawnServer(env);
      const prices: number[] = [];
      await until(
        async () => {
          prices.length = 0;
          let after: string | null = null;
          for (;;) {
            const page: {
              nodes: Array<{ payload: { price: number } }>;
              pageInfo: { hasNextPage: boolean; endCursor: string };
            } = (
              await gqlOk(
                graphql(),
                'query($o: ID!, $a: String) { events(orgId: $o, types: ["properties.update"], first: 500, after: $a) { nodes { payload } pageInfo { hasNextPage endCursor } } }',
                { o: orgId, a: after },
                owner,
              )
            ).events;
            prices.push(...page.nodes.map((e) => e.payload.price));
            if (!page.pageInfo.hasNextPage) break;
            after = page.pageInfo.endCursor;
          }
          return prices.length >= total;
        },
        'every change captured after the restart',
        60_000,
      );
      expect(prices).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    } finally {
      await child.stop('SIGKILL');
      await app.end();
      pgServer.stop();
    }
  }, 120_000);
});
