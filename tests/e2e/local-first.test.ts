import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FIELDS } from '../support/fixtures.js';
import { gql, gqlOk } from '../support/http.js';
import { Inbox } from '../support/inbox.js';
import { type ServerProcess, run, spawnServer } from '../support/process.js';

// What a new user does with the README alone: start on embedded defaults, use the printed tokens.
describe('npm start on a fresh machine', () => {
  let dataDir: string;
  let server: ServerProcess;
  let tokens: Record<string, string>;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
    server = await spawnServer({ DATA_DIR: dataDir });
    tokens = Object.fromEntries(
      [...server.stdout().matchAll(/(\w+) Demo \((\w+)\): Authorization: Bearer (\S+)/g)].map((m) => [
        m[1]!.toLowerCase(),
        m[3]!,
      ]),
    );
  });
  afterAll(async () => {
    if (server.proc.exitCode === null) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URLs and a ready token for each demo user', () => {
    expect(server.stdout()).toContain(`${server.url}/graphql`);
    expect(Object.keys(tokens).sort()).toEqual(['alice', 'bob']);
  });

  it('delivers an event published by a mutation to a graphql-ws subscriber, and refuses a non-member', async () => {
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tokens.alice}` },
    });
    const events = new Inbox<any>();
    const stop = client.subscribe(
      { query: `subscription { events(orgId: "org_demo", channels: ["property"]) { ${EVENT_FIELDS} } }` },
      {
        next: (r) => events.push(r),
        error: () => {},
        complete: () => {},
      },
    );
    // Publish until the subscriber has seen one: graphql-ws has no "subscribed" acknowledgement.
    let received;
    for (let i = 0; i < 50 && !received; i++) {
      await gqlOk(
        `${server.url}/graphql`,
        'mutation { publishEvent(input: { orgId: "org_demo", channel: "property", type: "property.update", subjectId: "p-1" }) { id } }',
        {},
        tokens.bob,
      );
      received = await events.next('an event', 200).catch(() => undefined);
    }
    expect(received?.data.events).toMatchObject({
      orgId: 'org_demo',
      channel: 'property',
      actor: { id: 'bob', name: 'Bob Demo' },
    });
    stop();

    // `npm run token` signs with the same generated secret; eve is no member of the demo org.
    const issued = run(['--import', 'tsx', 'scripts/token.ts', '--sub', 'eve', '--name', 'Eve'], { DATA_DIR: dataDir });
    expect(await issued.exited).toBe(0);
    const eve = issued.stdout().trim();
    const refused = await gql(`${server.url}/graphql`, '{ organization(id: "org_demo") { id } }', {}, eve);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gqlOk(`${server.url}/graphql`, '{ me { id name } }', {}, eve)).me).toEqual({
      id: 'eve',
      name: 'Eve',
    });
    await client.dispose();
  });

  it('shuts down on SIGTERM: WebSockets get 1001, the process exits 0, and data survives a restart', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect(await server.stop()).toBe(0);
    expect(await closed).toBe(1001);

    const again = await spawnServer({ DATA_DIR: dataDir });
    try {
      // Same secret, same store: the first run's token and events are still good.
      const data = await gqlOk(
        `${again.url}/graphql`,
        '{ events(orgId: "org_demo", channels: ["property"]) { nodes { id } } }',
        {},
        tokens.alice,
      );
      expect(data.events.nodes.length).toBeGreaterThan(0);
    } finally {
      expect(await again.stop('SIGINT')).toBe(0);
    }
  });
});

describe('npm start without HOST', () => {
  it('listens on 127.0.0.1 only and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-host-'));
    const server = await spawnServer({ DATA_DIR: dataDir, HOST: '' }); // an empty variable is unset
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.stdout()).toContain('Listening on this machine only; HOST=0.0.0.0 serves the network.');
      const lan = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (lan) await expect(fetch(`http://${lan}:${new URL(server.url).port}/health`)).rejects.toThrow();
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('start-up failures', () => {
  it('refuses production without a secret and lists every configuration problem', async () => {
    const p = run(['--enable-source-maps', 'dist/server/main.js'], { NODE_ENV: 'production', PORT: 'x' });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('AUTH_JWT_SECRET');
    expect(p.stderr()).toContain('PORT');
  });
});
