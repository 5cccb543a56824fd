import { connect as connectTcp } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, connect } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { event, postEvents, serviceToken, storedEvents } from '../support/publish-api.js';
import { type TestServer, startServer } from '../support/server.js';

// POST /v1/events through real HTTP, on the embedded store and on PostgreSQL with Redis.
describe.each([
  { store: 'sqlite', options: {} },
  { store: 'postgres', options: { postgres: true, redis: true } },
])('POST /v1/events ($store)', ({ options }) => {
  let server: TestServer;
  let service: string;
  beforeAll(async () => {
    server = await startServer(options);
    service = await serviceToken();
  });
  afterAll(() => server.stop());

  /** Runs `send` and checks that the organization's log is exactly as it was. */
  async function leavesLogUntouched<T>(orgId: string, send: () => Promise<T>): Promise<T> {
    const before = await storedEvents(server, orgId);
    const result = await send();
    expect(await storedEvents(server, orgId)).toEqual(before);
    return result;
  }

  it("publishes a batch in order and answers each event's id, cursor and sequence", async () => {
    const org = await createOrg(server, 'alice');
    const res = await postEvents(server, service, {
      events: [0, 1, 2].map((i) => event(org.id, { subjectId: `p-${i}`, payload: { i } })),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.body).toMatchObject({ published: 3, duplicates: 0, failed: 0 });
    const stored = (await storedEvents(server, org.id)).slice(1); // 1 is the owner's member.join
    expect(res.body.results).toEqual(
      stored.map((e) => ({ id: e.id, cursor: e.cursor, sequence: e.sequence, duplicate: false })),
    );
    expect(stored.map((e) => [e.sequence, e.subjectId, e.payload])).toEqual([
      [2, 'p-0', { i: 0 }],
      [3, 'p-1', { i: 1 }],
      [4, 'p-2', { i: 2 }],
    ]);
    expect(stored[0]?.actor).toEqual({ id: 'backend', name: 'Backend', isService: true });
  });

  it('delivers a batch to live subscribers on every transport, in order', async () => {
    const org = await createOrg(server, 'alice');
    const clients = TRANSPORTS.map((t) => connect(t, server, org.tokens.alice));
    const before = server.app.services.bus.stats().subscriptions;
    const subs = clients.map((c) => c.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id }));
    await until(() => server.app.services.bus.stats().subscriptions >= before + subs.length, 'the subscriptions');
    const res = await postEvents(server, service, {
      events: Array.from({ length: 50 }, (_, i) => event(org.id, { payload: { i } })),
    });
    expect(res.status).toBe(200);
    const ids = res.body.results.map((r: { id: string }) => r.id);
    for (const sub of subs) {
      const got = await sub.results.take(50, 'the batch');
      expect(got.map((r) => r.data.events.id)).toEqual(ids);
      expect(got.map((r) => r.data.events.payload.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    await Promise.all(clients.map((c) => c.dispose()));
  });

  describe('credentials', () => {
    it('answers 401 without a credential; nothing is published', async () => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () => postEvents(server, undefined, { events: [event(org.id)] }));
      expect(res.status).toBe(401);
      expect(res.body.errors[0]).toEqual({
        message: 'Send "Authorization: Bearer <service token or API key>".',
        extensions: { code: 'UNAUTHENTICATED' },
      });
    });

    it.each([
      ['a garbage token', 'garbage', 'Invalid token: token is malformed or uses an unaccepted algorithm.'],
      [
        'a malformed API key',
        'sbk_nope',
        'Invalid API key: malformed (expected sbk_ followed by 32 hex digits, "_" and 43 characters).',
      ],
      [
        'an unknown API key',
        `sbk_${'0'.repeat(32)}_${'A'.repeat(43)}`,
        'Invalid API key: unknown key or wrong secret.',
      ],
    ])('answers 401 to %s', async (_name, credential, message) => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () => postEvents(server, credential, { events: [event(org.id)] }));
      expect(res.status).toBe(401);
      expect(res.body.errors[0]).toEqual({ message, extensions: { code: 'UNAUTHENTICATED' } });
    });

    it("refuses a user's token with 403: batches are for backends, users publish with publishEvent", async () => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () =>
        postEvents(server, org.tokens.alice, { events: [event(org.id)] }),
      );
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(res.body.errors[0].message).toMatch(
        /^Publishing batches is for app backends: send a service token or an API key/,
      );
    });
  });

  describe('bad input: a clear error, and the log untouched', () => {
    it('refuses malformed JSON with 400', async () => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () =>
        postEvents(server, service, `{"events": [{"orgId": "${org.id}", "channel": "property",`),
      );
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors[0].message).toMatch(/^Request body is not valid JSON \(.+\)\.$/);
    });

    it.each([
      ['an empty body', '', 'Request body is empty: send {"events": [ … ]} as JSON.'],
      ['an array', [], 'Request body must be a JSON object {"events": [ … ]}, not an array.'],
      ['no events', {}, 'Request body has no "events": send {"events": [ … ]}.'],
      ['events not an array', { events: 'x' }, '"events" must be an array of events, not a string.'],
      [
        'an unknown top-level field',
        { events: [], force: true },
        'Request body has unknown fields (force); it holds "events" only.',
      ],
      ['an event that is not an object', { events: [7] }, 'events[0] must be an object, not a number.'],
      [
        'a missing orgId and a numeric channel',
        { events: [{ channel: 5, type: 'a' }] },
        'events[0].orgId is required (a string). events[0].channel must be a string, not a number.',
      ],
      [
        'a misspelt field',
        { events: [{ orgId: 'o', channel: 'a', type: 'a', subject_id: 'x' }] },
        'events[0].subject_id is not a field (fields: orgId, channel, type, subjectId, payload, audience, idempotencyKey).',
      ],
      [
        'a non-string idempotency key',
        { events: [{ orgId: 'o', channel: 'a', type: 'a', idempotencyKey: 12 }] },
        'events[0].idempotencyKey must be a string or null, not a number.',
      ],
    ])('refuses %s with 400, naming what was expected', async (_name, body, message) => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () => postEvents(server, service, body));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ message, extensions: { code: 'BAD_USER_INPUT' } }]);
    });

    it('refuses a batch over 1,000 events with 413', async () => {
      const org = await createOrg(server, 'alice');
      const events = Array.from({ length: 1_001 }, () => event(org.id));
      const res = await leavesLogUntouched(org.id, () => postEvents(server, service, { events }));
      expect(res.status).toBe(413);
      expect(res.body.errors).toEqual([
        {
          message: 'A batch holds at most 1000 events; this one has 1001. Send it in smaller batches.',
          extensions: { code: 'BAD_USER_INPUT', reason: 'BATCH_TOO_LARGE', limit: 1000 },
        },
      ]);
    });

    it('refuses a body over 1 MiB with 413 before reading it', async () => {
      const org = await createOrg(server, 'alice');
      const events = Array.from({ length: 40 }, () => event(org.id, { payload: { pad: 'x'.repeat(30_000) } }));
      const res = await leavesLogUntouched(org.id, () => postEvents(server, service, { events }));
      expect(res.status).toBe(413);
      expect(res.body.errors[0].message).toMatch(/^Request body is \d+ bytes; the limit is 1048576 bytes\.$/);
    });

    it('answers NOT_FOUND for each event of an unknown organization (404 when that is the whole batch)', async () => {
      const res = await postEvents(server, service, { events: [event('org_nope'), event('org_nope')] });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ published: 0, failed: 2 });
      const error = { code: 'NOT_FOUND', message: 'Organization "org_nope" does not exist.' };
      expect(res.body.results).toEqual([{ error }, { error }]);
    });

    it('refuses an event of a server-only type with FORBIDDEN; its organization publishes nothing of the batch', async () => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () =>
        postEvents(server, service, { events: [event(org.id), event(org.id, { type: 'member.join' })] }),
      );
      expect(res.status).toBe(403);
      const why =
        'Events of type "member.join" are published by the server itself (reserved: member.*, organization.*, notification.*).';
      expect(res.body.results).toEqual([
        {
          error: {
            code: 'FORBIDDEN',
            message: `Not published: events[1] of the same organization was refused (${why}); a batch is all-or-nothing per organization.`,
            position: 1,
          },
        },
        { error: { code: 'FORBIDDEN', message: `events[1]: ${why}`, position: 1 } },
      ]);
    });

    it('refuses a payload over 32 KiB with BAD_USER_INPUT', async () => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () =>
        postEvents(server, service, { events: [event(org.id, { payload: { pad: 'x'.repeat(33_000) } })] }),
      );
      expect(res.status).toBe(400);
      expect(res.body.results[0].error).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'events[0]: payload is 33010 bytes; the limit is 32768 bytes.',
        position: 0,
      });
    });

    it.each([
      [
        'a bad channel name',
        { channel: 'Bad Channel' },
        /^events\[0\]: channel "Bad Channel" must be lower-case words/,
      ],
      [
        'an idempotency key over 255 characters',
        { idempotencyKey: 'k'.repeat(256) },
        /^events\[0\]: idempotencyKey must be 1 to 255 characters; it has 256\.$/,
      ],
      [
        'an empty idempotency key',
        { idempotencyKey: '' },
        /^events\[0\]: idempotencyKey must be 1 to 255 characters; it has 0\.$/,
      ],
    ])('refuses %s with BAD_USER_INPUT', async (_name, extra, message) => {
      const org = await createOrg(server, 'alice');
      const res = await leavesLogUntouched(org.id, () =>
        postEvents(server, service, { events: [event(org.id, extra)] }),
      );
      expect(res.status).toBe(400);
      expect(res.body.results[0].error.code).toBe('BAD_USER_INPUT');
      expect(res.body.results[0].error.message).toMatch(message);
    });

    it('answers 405 to another method', async () => {
      const res = await fetch(`${server.url}/v1/events`, { headers: { authorization: `Bearer ${service}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    });
  });

  it("commits one organization's events when another organization's are refused", async () => {
    const good = await createOrg(server, 'alice');
    const bad = await createOrg(server, 'alice');
    const res = await leavesLogUntouched(bad.id, () =>
      postEvents(server, service, {
        events: [
          event(good.id, { payload: { n: 1 } }),
          event(bad.id),
          event(good.id, { payload: { n: 2 } }),
          event(bad.id, { channel: 'NOPE' }),
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ published: 2, failed: 2 });
    const [r0, r1, r2, r3] = res.body.results;
    expect([r0.sequence, r2.sequence]).toEqual([2, 3]);
    expect(r1.error).toMatchObject({ code: 'BAD_USER_INPUT', position: 3 });
    expect(r1.error.message).toMatch(
      /^Not published: events\[3\] of the same organization was refused \(channel "NOPE"/,
    );
    expect(r3.error.message).toMatch(/^events\[3\]: channel "NOPE"/);
    expect((await storedEvents(server, good.id)).slice(1).map((e) => e.payload)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  describe('idempotency', () => {
    it('a retry with the same keys returns the original cursors and publishes nothing', async () => {
      const org = await createOrg(server, 'alice');
      const events = ['a', 'b', 'c'].map((k) => event(org.id, { idempotencyKey: `order-${k}`, payload: { k } }));
      const first = await postEvents(server, service, { events });
      expect(first.body).toMatchObject({ published: 3, duplicates: 0 });
      const retry = await postEvents(server, service, {
        events: [...events, event(org.id, { idempotencyKey: 'order-d' })],
      });
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ published: 1, duplicates: 3, failed: 0 });
      expect(retry.body.results.slice(0, 3)).toEqual(
        first.body.results.map((r: object) => ({ ...r, duplicate: true })),
      );
      expect(retry.body.results[3]).toMatchObject({ sequence: 5, duplicate: false });
      expect((await storedEvents(server, org.id)).map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    });

    it('a key repeated within one batch publishes once; events without keys always publish', async () => {
      const org = await createOrg(server, 'alice');
      const res = await postEvents(server, service, {
        events: [
          event(org.id, { idempotencyKey: 'k' }),
          event(org.id, { idempotencyKey: 'k' }),
          event(org.id),
          event(org.id),
        ],
      });
      expect(res.body.results.map((r: { sequence: number; duplicate: boolean }) => [r.sequence, r.duplicate])).toEqual([
        [2, false],
        [2, true],
        [3, false],
        [4, false],
      ]);
    });

    it('concurrent retries publish each event exactly once', async () => {
      const org = await createOrg(server, 'alice');
      const events = Array.from({ length: 5 }, (_, i) => event(org.id, { idempotencyKey: `c-${i}` }));
      const answers = await Promise.all(Array.from({ length: 8 }, () => postEvents(server, service, { events })));
      const cursors = answers.map((a) => a.body.results.map((r: { cursor: string }) => r.cursor));
      for (const c of cursors) expect(c).toEqual(cursors[0]);
      expect(answers.map((a) => a.body.published).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 5]);
      expect(await storedEvents(server, org.id)).toHaveLength(6);
    });

    it('keys are per organization: the same key publishes in each', async () => {
      const a = await createOrg(server, 'alice');
      const b = await createOrg(server, 'alice');
      const res = await postEvents(server, service, {
        events: [event(a.id, { idempotencyKey: 'same' }), event(b.id, { idempotencyKey: 'same' })],
      });
      expect(res.body).toMatchObject({ published: 2, duplicates: 0 });
    });
  });
});

// A backend's request (no Origin) is answered before Yoga; a browser's goes through Yoga, which adds the CORS
// headers of an allowed origin. Both answer the same way and publish into the same log.
describe('POST /v1/events from a backend and from a browser', () => {
  let server: TestServer;
  let service: string;
  beforeAll(async () => {
    server = await startServer({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    service = await serviceToken();
  });
  afterAll(() => server.stop());

  const post = (orgId: string, headers: Record<string, string>, body: unknown = { events: [event(orgId)] }) =>
    fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}`, ...headers },
      body: JSON.stringify(body),
    });

  it('publishes either way, with CORS headers only for an allowed origin, and the request id echoed', async () => {
    const org = await createOrg(server, 'alice');
    const backend = await post(org.id, { 'x-request-id': 'from-backend' });
    const browser = await post(org.id, { origin: 'https://app.example.com', 'x-request-id': 'from-browser' });
    const foreign = await post(org.id, { origin: 'https://evil.example.com' });
    for (const res of [backend, browser, foreign]) {
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ published: 1, failed: 0 });
    }
    expect(backend.headers.get('x-request-id')).toBe('from-backend');
    expect(browser.headers.get('x-request-id')).toBe('from-browser');
    expect(backend.headers.get('access-control-allow-origin')).toBeNull();
    expect(browser.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await storedEvents(server, org.id)).map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('refuses the same bad requests the same way on both paths, and keeps serving', async () => {
    const org = await createOrg(server, 'alice');
    for (const origin of [{}, { origin: 'https://app.example.com' }] as Array<Record<string, string>>) {
      const bad = await post(org.id, origin, { events: [{ orgId: org.id, channel: 'property' }] });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).errors[0]).toMatchObject({
        message: 'events[0].type is required (a string).',
        extensions: { code: 'BAD_USER_INPUT' },
      });
      const anonymous = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: origin, body: '{}' });
      expect(anonymous.status).toBe(401);
      const get = await fetch(`${server.url}/v1/events`, { headers: origin });
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
      await get.text();
      await anonymous.text();
    }
    expect((await storedEvents(server, org.id)).map((e) => e.sequence)).toEqual([1]);
    expect((await post(org.id, {})).status).toBe(200);
  });

  it('a backend gone before its body ended publishes nothing, and the server keeps serving', async () => {
    const org = await createOrg(server, 'alice');
    const body = JSON.stringify({ events: [event(org.id)] });
    const socket = connectTcp(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `authorization: Bearer ${service}\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.destroy();
    await closed;
    expect((await post(org.id, {})).status).toBe(200);
    expect((await storedEvents(server, org.id)).map((e) => e.sequence)).toEqual([1, 2]);
  });
});
