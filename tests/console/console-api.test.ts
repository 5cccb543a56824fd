import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { TRANSPORTS, connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { errorCode, gql, gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { pairPerSuite, startServer, token, uniquePrefix } from '../support/server.js';

const LIVE_STATS = `subscription($orgId: ID) { liveStats(orgId: $orgId) {
  at orgId
  instances { instanceId subscriptions eventsPerSecond publishedPerSecond deliveredPerSecond latencyP99Ms redis connections { ws sse sseSingle } }
  total { instanceId subscriptions publishedPerSecond deliveredPerSecond redis connections { ws sse sseSingle } }
} }`;
const SUBSCRIBERS =
  'query($o: ID!) { subscribers(orgId: $o) { id instanceId userId transport channels types subjectIds since } }';
const END = 'mutation($o: ID!, $u: ID!) { endSessions(orgId: $o, userId: $u) }';

// The console's API on two instances behind Redis and PostgreSQL: figures and subscribers from both, a
// user's streams ended on both, and nothing of it for members who do not manage the organization.
describe('console API across two instances', () => {
  const pair = pairPerSuite();

  it("lists the organization's subscribers on both instances, with transport and filters", async () => {
    const { a, b } = pair;
    const org = await createOrg(a, 'alice', { bob: 'MEMBER', carol: 'MEMBER' });
    const bobWs = connect('ws', b, org.tokens.bob);
    const carolSse = connect('sse', a, org.tokens.carol);
    bobWs.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'], subjectIds: ['p-1'] });
    carolSse.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, types: ['member.join'] });
    const list = async () =>
      (await gqlOk(a.graphqlUrl, SUBSCRIBERS, { o: org.id }, org.tokens.alice)).subscribers as Array<
        Record<string, unknown>
      >;
    await until(async () => (await list()).length === 2, 'both subscribers listed');
    const rows = await list();
    const bob = rows.find((r) => r.userId === 'bob');
    const carol = rows.find((r) => r.userId === 'carol');
    expect(bob).toMatchObject({
      transport: 'ws',
      channels: ['property'],
      subjectIds: ['p-1'],
      instanceId: b.app.services.instanceId,
    });
    expect(carol).toMatchObject({ transport: 'sse', types: ['member.join'], instanceId: a.app.services.instanceId });
    await Promise.all([bobWs.dispose(), carolSse.dispose()]);
    await until(async () => (await list()).length === 0, 'the list empty once they left');
  });

  it.each(TRANSPORTS)(
    "ends one user's %s streams in one organization on the other instance, and nobody else's",
    async (transport) => {
      const { a, b } = pair;
      const org = await createOrg(a, 'alice', { bob: 'MEMBER', carol: 'MEMBER' });
      const other = await createOrg(a, 'dave', { bob: 'MEMBER' });
      const bobClient = connect(transport, b, org.tokens.bob);
      const carolClient = connect(transport, b, org.tokens.carol);
      const bobHere = bobClient.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      const bobElsewhere = bobClient.subscribe(SUBSCRIBE_EVENTS, { orgId: other.id });
      const carol = carolClient.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => b.app.services.subscribers.inOrg(org.id, 10).length === 2, 'subscribed in the org');
      await until(() => b.app.services.subscribers.inOrg(other.id, 10).length === 1, 'subscribed elsewhere');

      const ended = await gqlOk(a.graphqlUrl, END, { o: org.id, u: 'bob' }, org.tokens.alice);
      expect(ended.endSessions).toBe(1);
      const [error] = await refusal(bobHere);
      expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SESSIONS_ENDED' });

      // Carol in the same organization, and Bob in the other one, still receive.
      const sent = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
      expect((await carol.results.next('carol keeps her stream')).data?.events.id).toBe(sent.id);
      const there = await publish(a, other.tokens.dave!, { orgId: other.id, channel: 'user', type: 'user.activity' });
      expect((await bobElsewhere.results.next("bob's other organization")).data?.events.id).toBe(there.id);
      await Promise.all([bobClient.dispose(), carolClient.dispose()]);
    },
  );

  it('streams figures from both instances every second, summed', async () => {
    const { a, b } = pair;
    const service = await token('ops', { service: true });
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    const bobWs = connect('ws', b, org.tokens.bob);
    bobWs.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    const ops = connect('ws', a, service);
    const server = ops.subscribe(LIVE_STATS, {});
    const ids = [a.app.services.instanceId, b.app.services.instanceId].sort();
    let sample: any;
    for (let i = 0; i < 10; i++) {
      sample = (await server.results.next('a sample', 5_000)).data?.liveStats;
      if (sample.instances.length === 2) break;
    }
    expect(sample.instances.map((f: any) => f.instanceId)).toEqual(ids);
    expect(sample.total.instanceId).toBe('all');
    expect(sample.total.redis).toBe('up');
    expect(sample.total.connections.ws).toBe(sample.instances.reduce((n: number, f: any) => n + f.connections.ws, 0));
    expect(sample.total.connections.ws).toBeGreaterThanOrEqual(2);

    // Published events show up in the next samples' rates.
    for (let i = 0; i < 5; i++)
      await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    let seen = false;
    for (let i = 0; i < 6 && !seen; i++) {
      const s = (await server.results.next('a sample after publishing', 5_000)).data?.liveStats;
      seen = s.total.publishedPerSecond > 0 && s.total.deliveredPerSecond > 0;
    }
    expect(seen).toBe(true);

    // An OWNER watches their organization: its own figures only.
    const owner = connect('sse', a, org.tokens.alice);
    const mine = owner.subscribe(LIVE_STATS, { orgId: org.id });
    let own: any;
    for (let i = 0; i < 10; i++) {
      own = (await mine.results.next('an organization sample', 5_000)).data?.liveStats;
      if (own.instances.length === 2 && own.total.subscriptions >= 1) break;
    }
    expect(own.orgId).toBe(org.id);
    expect(own.total).toMatchObject({ publishedPerSecond: null, deliveredPerSecond: null, redis: null });
    expect(own.total.subscriptions).toBe(1);
    await Promise.all([ops.dispose(), owner.dispose(), bobWs.dispose()]);
  });

  it('refuses the console to members, to other organizations and server-wide figures to users', async () => {
    const { a } = pair;
    const org = await createOrg(a, 'alice', { bob: 'MEMBER', erin: 'ADMIN' });
    const other = await createOrg(a, 'dave');
    const bobSub = connect('ws', a, org.tokens.bob);
    const live = bobSub.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(() => a.app.services.subscribers.inOrg(org.id, 10).length === 1, 'bob subscribed');

    expect(errorCode(await gql(a.graphqlUrl, SUBSCRIBERS, { o: org.id }, org.tokens.bob))).toBe('FORBIDDEN');
    expect(errorCode(await gql(a.graphqlUrl, END, { o: org.id, u: 'alice' }, org.tokens.bob))).toBe('FORBIDDEN');
    expect(errorCode(await gql(a.graphqlUrl, SUBSCRIBERS, { o: other.id }, org.tokens.alice))).toBe('FORBIDDEN');
    expect(errorCode(await gql(a.graphqlUrl, END, { o: other.id, u: 'dave' }, org.tokens.alice))).toBe('FORBIDDEN');
    expect(errorCode(await gql(a.graphqlUrl, END, { o: org.id, u: 'x'.repeat(200) }, org.tokens.alice))).toBe(
      'BAD_USER_INPUT',
    );
    const users = connect('ws', a, org.tokens.erin);
    for (const orgId of [null, other.id]) {
      const [error] = await refusal(users.subscribe(LIVE_STATS, { orgId }));
      expect(error?.extensions?.code).toBe('FORBIDDEN');
    }
    const [memberError] = await refusal(connect('sse', a, org.tokens.bob).subscribe(LIVE_STATS, { orgId: org.id }));
    expect(memberError?.extensions?.code).toBe('FORBIDDEN');
    // An ADMIN may watch; Bob's stream went on through all of it.
    const admin = users.subscribe(LIVE_STATS, { orgId: org.id });
    expect((await admin.results.next('an admin sample')).data?.liveStats.orgId).toBe(org.id);
    const sent = await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' });
    expect((await live.results.next('bob still subscribed')).data?.events.id).toBe(sent.id);
    await Promise.all([bobSub.dispose(), users.dispose()]);
  });

  it('samples an organization once a second for all who watch it on an instance; a demoted watcher stops, the rest go on', async () => {
    const redisPrefix = uniquePrefix();
    const a = await startServer({ redis: true, postgres: true, redisPrefix });
    const listener = new Redis(inject('redisUrl'));
    try {
      const org = await createOrg(a, 'alice', { erin: 'ADMIN' });
      const asked: Array<string | null> = [];
      listener.on('message', (_channel, message: string) => {
        const ask = JSON.parse(message) as { from: string; question: { orgId: string | null } };
        if (ask.from === a.app.services.instanceId) asked.push(ask.question.orgId);
      });
      await listener.subscribe(`${redisPrefix}instances.ask`);
      const alice = connect('ws', a, org.tokens.alice);
      const erin = connect('sse', a, org.tokens.erin);
      const watchers = [
        alice.subscribe(LIVE_STATS, { orgId: org.id }),
        alice.subscribe(LIVE_STATS, { orgId: org.id }),
        erin.subscribe(LIVE_STATS, { orgId: org.id }),
      ];
      const samples = await Promise.all(watchers.map((w) => w.results.take(3, 'three samples', 8_000)));
      // One sampler: the watchers see the same samples (one who joins late gets the latest at once), and the
      // instances were asked once per sample (one more may be on its way), not once per watcher and second.
      const ats = new Set(samples.flat().map((r) => r.data?.liveStats.at as number));
      expect(ats.size).toBeLessThanOrEqual(4);
      const asks = asked.filter((orgId) => orgId === org.id).length;
      expect(asks).toBeLessThanOrEqual(ats.size + 1);

      // Erin loses ADMIN: her stream ends FORBIDDEN at the next sample; Alice's two go on.
      await gqlOk(
        a.graphqlUrl,
        'mutation($o: ID!, $u: ID!) { addMember(orgId: $o, userId: $u, role: MEMBER) { role } }',
        { o: org.id, u: 'erin' },
        org.tokens.alice,
      );
      const [error] = await refusal(watchers[2]!);
      expect(error?.extensions?.code).toBe('FORBIDDEN');
      const after = await Promise.all(watchers.slice(0, 2).map((w) => w.results.next('a sample after', 5_000)));
      expect(after.map((r) => r.data?.liveStats.orgId)).toEqual([org.id, org.id]);

      // Nobody watching: the sampler stops.
      expect(a.app.services.liveStats.size).toBe(1);
      await Promise.all([alice.dispose(), erin.dispose()]);
      await until(() => a.app.services.liveStats.size === 0, 'the sampler stopped');
    } finally {
      listener.disconnect();
      await a.stop();
    }
  });

  it('ignores foreign and corrupt messages on the instances topic', async () => {
    const redisPrefix = uniquePrefix();
    const [a, b] = [
      await startServer({ redis: true, postgres: true, redisPrefix }),
      await startServer({ redis: true, postgres: true, redisPrefix }),
    ];
    const redis = new Redis(inject('redisUrl'));
    try {
      const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
      const bob = connect('ws', b, org.tokens.bob);
      bob.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => b.app.services.subscribers.inOrg(org.id, 10).length === 1, 'bob subscribed');
      const junk = [
        'not json',
        'null',
        '{"id":"x"}',
        '{"id":1,"from":"me","question":{"kind":"end-sessions"}}',
        '{"id":1,"from":"me","question":{"kind":"drop-tables","orgId":"x"}}',
      ];
      for (const message of junk) {
        await redis.publish(`${redisPrefix}instances.ask`, message);
        await redis.publish(`${redisPrefix}instances.answer.${a.app.services.instanceId}`, message);
      }
      const subs = await gqlOk(a.graphqlUrl, SUBSCRIBERS, { o: org.id }, org.tokens.alice);
      expect(subs.subscribers.map((s: { userId: string }) => s.userId)).toEqual(['bob']);
      await bob.dispose();

      // An instance that went away is not waited for beyond the call's time: the answer has the others.
      const carol = connect('sse', a, org.tokens.alice);
      carol.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
      await until(() => a.app.services.subscribers.inOrg(org.id, 10).length === 1, 'a stream on a');
      await b.stop();
      const started = Date.now();
      const left = await gqlOk(a.graphqlUrl, SUBSCRIBERS, { o: org.id }, org.tokens.alice);
      expect(left.subscribers.map((s: { instanceId: string }) => s.instanceId)).toEqual([a.app.services.instanceId]);
      expect(Date.now() - started).toBeLessThan(3_000);
      await carol.dispose();
    } finally {
      redis.disconnect();
      await Promise.all([a.stop(), b.stop()]); // stopping twice is a no-op
    }
  });
});

describe('Query.events paged back for the inspector', () => {
  const pair = pairPerSuite();

  it('pages back from a cursor, narrows by time, and refuses what it cannot read', async () => {
    const { a } = pair;
    const org = await createOrg(a, 'alice');
    const other = await createOrg(a, 'dave');
    const sent = [];
    for (let i = 0; i < 7; i++)
      sent.push(await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'user', type: 'user.activity' }));
    const page = (vars: Record<string, unknown>) =>
      gql(
        a.graphqlUrl,
        'query($o: ID!, $before: String, $since: DateTime, $until: DateTime, $last: Int, $first: Int) { events(orgId: $o, before: $before, since: $since, until: $until, last: $last, first: $first, types: ["user.activity"]) { nodes { sequence } } }',
        { o: org.id, ...vars },
        org.tokens.alice,
      );
    const seqs = (r: any) => r.data.events.nodes.map((n: any) => n.sequence);
    const newest = await page({ last: 3 });
    expect(seqs(newest)).toEqual(sent.slice(-3).map((s) => s.sequence));
    const older = await page({ last: 3, before: sent[4]!.cursor });
    expect(seqs(older)).toEqual(sent.slice(1, 4).map((s) => s.sequence));
    const far = new Date(Date.now() + 3_600_000).toISOString();
    expect(seqs(await page({ last: 3, since: far }))).toEqual([]);
    expect(seqs(await page({ last: 10, until: far }))).toEqual(sent.map((s) => s.sequence));

    expect(errorCode(await page({ first: 3, before: sent[4]!.cursor }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await page({ last: 3, before: 'garbage' }))).toBe('BAD_USER_INPUT');
    const theirs = await publish(a, other.tokens.dave!, { orgId: other.id, channel: 'user', type: 'user.activity' });
    const foreign = await page({ last: 3, before: theirs.cursor });
    expect(foreign.errors?.[0]?.message).toMatch(/before is a cursor of another organization/);
    expect(errorCode(await page({ last: 3, since: far, until: new Date().toISOString() }))).toBe('BAD_USER_INPUT');
    // The log is untouched by all of it.
    expect(seqs(await page({ last: 10 }))).toEqual(sent.map((s) => s.sequence));
  });
});
