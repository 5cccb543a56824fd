import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { createApiKey, event, postEvents, serviceToken, storedEvents } from '../support/publish-api.js';
import { type TestServer, startPair } from '../support/server.js';

// Two instances on one PostgreSQL database and one Redis: retries of a batch sent to both at once.
describe('publishing to two instances sharing Redis and PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startPair();
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('concurrent retries on both instances publish each event exactly once; subscribers on both get it once, in order', async () => {
    const org = await createOrg(a, 'alice');
    const { secret } = await createApiKey(a, org.tokens.alice!, org.id);
    const onA = connect('ws', a, org.tokens.alice);
    const onB = connect('sse', b, org.tokens.alice);
    const subA = onA.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    const subB = onB.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id });
    await until(
      () => a.app.services.bus.stats().subscriptions > 0 && b.app.services.bus.stats().subscriptions > 0,
      'both subscriptions',
    );
    const events = Array.from({ length: 20 }, (_, i) => event(org.id, { idempotencyKey: `job-${i}`, payload: { i } }));
    // The same batch, 16 times at once, half to each instance: one service token, one API key.
    const service = await serviceToken();
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => postEvents(i % 2 ? b : a, i % 4 < 2 ? service : secret, { events })),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(answers.map((x) => x.body.published).sort((x, y) => y - x)).toEqual([20, ...Array(15).fill(0)]);
    const cursors = answers.map((x) => x.body.results.map((r: { cursor: string }) => r.cursor));
    for (const c of cursors) expect(c).toEqual(cursors[0]);
    const stored = await storedEvents(b, org.id);
    expect(stored.slice(1).map((e) => e.payload.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    // Every subscriber gets the 20 once, in order, and then the next event: no duplicate in between.
    const last = await postEvents(a, secret, { events: [event(org.id, { payload: { i: 'last' } })] });
    for (const sub of [subA, subB]) {
      const got = await sub.results.take(21, 'the batch and the last event');
      expect(got.map((r) => r.data.events.cursor)).toEqual([...(cursors[0] as string[]), last.body.results[0].cursor]);
    }
    await Promise.all([onA.dispose(), onB.dispose()]);
  });

  it('a key revoked through one instance is refused by the other at its next request', async () => {
    const org = await createOrg(a, 'alice');
    const { secret, apiKey } = await createApiKey(a, org.tokens.alice!, org.id);
    expect((await postEvents(b, secret, { events: [event(org.id)] })).status).toBe(200);
    await gqlOk(
      a.graphqlUrl,
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: apiKey.id },
      org.tokens.alice,
    );
    const res = await postEvents(b, secret, { events: [event(org.id)] });
    expect(res.status).toBe(403);
    expect(res.body.errors[0].extensions).toEqual({ code: 'FORBIDDEN', reason: 'API_KEY_REVOKED' });
  });
});
