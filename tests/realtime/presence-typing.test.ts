import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { spawnServer } from '../support/process.js';
import { ResumingSubscriber } from '../support/resuming-subscriber.js';
import { TEST_SECRET, type TestServer, startPair, startServer, token, uniquePrefix } from '../support/server.js';

const PRESENCE = 'subscription($o: ID!) { presence(orgId: $o) { kind user { userId name } users { userId } } }';
const TYPING = 'subscription($o: ID!, $r: String!) { typing(orgId: $o, room: $r) { room users { userId name } } }';
const SET_TYPING = 'mutation($o: ID!, $r: String!, $t: Boolean!) { setTyping(orgId: $o, room: $r, typing: $t) }';

let n = 0;
const people = () => {
  const s = `${Date.now().toString(36)}-${n++}`;
  return { alice: `alice-${s}`, bob: `bob-${s}`, carol: `carol-${s}` };
};

describe('presence and typing across two instances', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair({ presenceGraceMs: 150, typingExpireMs: 600, typingThrottleMs: 300 });
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('shows a user with three connections once, and as gone only after the last closes', async () => {
    const p = people();
    const org = await createOrg(a, p.alice, { [p.bob]: 'MEMBER' });
    const watcher = connect('ws', b, org.tokens[p.alice]);
    const updates = watcher.subscribe(PRESENCE, { o: org.id });
    const first = await updates.results.next('the snapshot');
    expect(first.data.presence.kind).toBe('SNAPSHOT');
    const online = () =>
      updates.results.items.at(-1)?.data.presence.users.map((u: { userId: string }) => u.userId) ?? [];
    await until(() => online().includes(p.alice), 'the watcher herself to be online');

    const bobs = [
      connect('ws', a, org.tokens[p.bob]),
      connect('ws', b, org.tokens[p.bob]),
      connect('sse', b, org.tokens[p.bob]),
    ];
    bobs.forEach((c) => c.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }));
    await until(() => online().includes(p.bob), 'bob to join');
    const joins = () =>
      updates.results.items.filter((r) => r.data.presence.kind === 'JOIN' && r.data.presence.user.userId === p.bob)
        .length;
    expect(joins()).toBe(1);
    const listed = await gqlOk(
      a.graphqlUrl,
      'query($o: ID!) { presence(orgId: $o) { userId name } }',
      { o: org.id },
      org.tokens[p.alice],
    );
    expect(listed.presence.map((u: { userId: string }) => u.userId).sort()).toEqual([p.alice, p.bob].sort());

    await bobs[0]!.dispose();
    await bobs[1]!.dispose();
    // Still online through the third connection; after it closes, one LEAVE.
    await bobs[2]!.dispose();
    await until(() => !online().includes(p.bob), 'bob to leave');
    const leaves = updates.results.items.filter(
      (r) => r.data.presence.kind === 'LEAVE' && r.data.presence.user.userId === p.bob,
    );
    expect(leaves).toHaveLength(1);
    expect(joins()).toBe(1);
    await watcher.dispose();
  });

  it('coalesces a reconnect within the grace period: no leave, no second join', async () => {
    const p = people();
    const org = await createOrg(a, p.alice, { [p.bob]: 'MEMBER' });
    const watcher = connect('ws', b, org.tokens[p.alice]);
    const updates = watcher.subscribe(PRESENCE, { o: org.id });
    await until(
      () =>
        updates.results.items.some((r) => r.data.presence.users.some((u: { userId: string }) => u.userId === p.alice)),
      'the watcher to be online',
    );
    const bob1 = connect('ws', a, org.tokens[p.bob]);
    bob1.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(() => updates.results.items.some((r) => r.data.presence.user?.userId === p.bob), 'bob to join');
    const bob2 = connect('ws', a, org.tokens[p.bob]);
    bob2.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    const subscriptionsOf = (orgId: string) =>
      a.app.services.bus.orgStats().find((s) => s.orgId === orgId)?.subscriptions ?? 0;
    await until(() => subscriptionsOf(org.id) === 2, "bob's second connection to be up");
    await bob1.dispose(); // a page reload: the new connection is up before the old one closed
    const marker = connect('ws', a, org.tokens[p.carol] ?? (await token(p.carol)));
    await gqlOk(
      a.graphqlUrl,
      'mutation($o: ID!, $u: ID!) { addMember(orgId: $o, userId: $u) { role } }',
      { o: org.id, u: p.carol },
      org.tokens[p.alice],
    );
    marker.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(
      () => updates.results.items.some((r) => r.data.presence.user?.userId === p.carol),
      'the marker user to join',
    );
    expect(
      updates.results.items.filter((r) => r.data.presence.user?.userId === p.bob).map((r) => r.data.presence.kind),
    ).toEqual(['JOIN']);
    await Promise.all([watcher.dispose(), bob2.dispose(), marker.dispose()]);
  });

  it('refuses presence to non-members and unknown organizations', async () => {
    const p = people();
    const org = await createOrg(a, p.alice);
    const stranger = await token(p.carol);
    expect(
      errorCode(await gql(a.graphqlUrl, 'query($o: ID!) { presence(orgId: $o) { userId } }', { o: org.id }, stranger)),
    ).toBe('FORBIDDEN');
    expect(errorCode(await gql(a.graphqlUrl, 'query { presence(orgId: "org_nope") { userId } }', {}, stranger))).toBe(
      'NOT_FOUND',
    );
    const client = connect('ws', a, stranger);
    expect((await refusal(client.subscribe(PRESENCE, { o: org.id }))).map((e) => e.extensions?.code)).toEqual([
      'FORBIDDEN',
    ]);
    await client.dispose();
  });

  it("forwards typing to the room's members on other instances, throttled, and expires it", async () => {
    const p = people();
    const org = await createOrg(a, p.alice, { [p.bob]: 'MEMBER', [p.carol]: 'VIEWER' });
    const bob = connect('ws', b, org.tokens[p.bob]);
    const room = bob.subscribe(TYPING, { o: org.id, r: 'prop-1' });
    const other = bob.subscribe(TYPING, { o: org.id, r: 'prop-2' });
    expect((await room.results.next('the initial state')).data.typing).toEqual({ room: 'prop-1', users: [] });
    await other.results.next();
    const typing = (t: boolean, r = 'prop-1') =>
      gqlOk(a.graphqlUrl, SET_TYPING, { o: org.id, r, t }, org.tokens[p.alice]);
    // A flood: every call is accepted, one change reaches the room.
    for (let i = 0; i < 30; i++) expect((await typing(true)).setTyping).toBe(true);
    expect((await room.results.next('alice typing')).data.typing.users).toEqual([
      { userId: p.alice, name: p.alice.toUpperCase() },
    ]);
    // Without a refresh it expires by itself.
    expect((await room.results.next('the expiry', 3_000)).data.typing.users).toEqual([]);
    await typing(true);
    expect((await room.results.next()).data.typing.users).toHaveLength(1);
    await typing(false);
    expect((await room.results.next('the stop')).data.typing.users).toEqual([]);
    expect(other.results.pending).toBe(0); // another room saw nothing
    await bob.dispose();
  });

  it.each([
    ['a VIEWER typing', 'carol', { r: 'prop-1' }, 'FORBIDDEN'],
    ['a stranger typing', 'stranger', { r: 'prop-1' }, 'FORBIDDEN'],
    ['an oversized room name', 'bob', { r: 'x'.repeat(101) }, 'BAD_USER_INPUT'],
  ])('refuses %s with a clear error', async (_n, who, vars, code) => {
    const p = people();
    const org = await createOrg(a, p.alice, { [p.bob]: 'MEMBER', [p.carol]: 'VIEWER' });
    const auth = who === 'stranger' ? await token('stranger') : org.tokens[p[who as 'bob' | 'carol']];
    expect(errorCode(await gql(a.graphqlUrl, SET_TYPING, { o: org.id, t: true, ...vars }, auth))).toBe(code);
  });
});

describe('presence of a connected user past the TTL', () => {
  // Redis: the entry is written again every TTL/3, in batches. Memory (one instance): it never expires, and
  // nothing refreshes it.
  it.each([
    { registry: 'Redis', redis: true },
    { registry: 'memory', redis: false },
  ])('keeps the user listed ($registry registry)', async ({ redis }) => {
    const ttlMs = 300;
    const server = await startServer({ redis, env: { PRESENCE_TTL: `${ttlMs}ms` } });
    try {
      const p = people();
      const org = await createOrg(server, p.alice, { [p.bob]: 'MEMBER' });
      const bob = connect('ws', server, org.tokens[p.bob]);
      bob.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      const listed = async () =>
        (
          await gqlOk(
            server.graphqlUrl,
            'query($o: ID!) { presence(orgId: $o) { userId } }',
            { o: org.id },
            org.tokens[p.alice],
          )
        ).presence.map((u: { userId: string }) => u.userId);
      await until(async () => (await listed()).includes(p.bob), 'bob to be listed');
      // Nothing to await: the entry must still be there after several TTLs of nothing happening.
      await new Promise((resolve) => setTimeout(resolve, ttlMs * 4));
      expect(await listed()).toEqual([p.bob]);
      await bob.dispose();
    } finally {
      await server.stop();
    }
  });
});

describe('presence after an instance crash', () => {
  it("drops the crashed instance's users within the presence TTL", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-presence-'));
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_SECRET,
      DATABASE_URL: inject('postgresUrl'),
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: uniquePrefix(),
      PRESENCE_TTL: '2s',
    };
    const [victim, survivor] = await Promise.all([spawnServer(env), spawnServer(env)]);
    const target = (p: typeof victim) =>
      ({ url: p.url, graphqlUrl: `${p.url}/graphql`, wsUrl: `${p.url.replace('http', 'ws')}/graphql` }) as TestServer;
    try {
      const p = people();
      const org = await createOrg(target(survivor), p.alice, { [p.bob]: 'MEMBER' });
      const watcher = connect('ws', target(survivor), org.tokens[p.alice]);
      const updates = watcher.subscribe(PRESENCE, { o: org.id });
      const online = () =>
        updates.results.items.at(-1)?.data.presence.users.map((u: { userId: string }) => u.userId) ?? [];
      const bob = new ResumingSubscriber('ws', [target(victim)], org.tokens[p.bob]!, { orgId: org.id });
      await until(() => online().includes(p.bob), 'bob to be online', 10_000);
      // Bob's connection stays open until the crash: no leave is ever announced for him.
      victim.proc.kill('SIGKILL');
      await victim.exited;
      const killedAt = Date.now();
      await until(() => !online().includes(p.bob), 'bob to drop out', 10_000);
      expect(Date.now() - killedAt).toBeLessThan(8_000);
      await bob.stop().catch(() => {});
      await watcher.dispose();
    } finally {
      if (survivor.proc.exitCode === null) await survivor.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
