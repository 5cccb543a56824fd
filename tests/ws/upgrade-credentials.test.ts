import { buildGraphQLWSExecutor } from '@graphql-tools/executor-graphql-ws';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { until } from '../support/inbox.js';
import { type TestServer, startServer, token } from '../support/server.js';

// A gateway or a native mobile client sends its credentials on the WebSocket upgrade request
// (`Authorization`), not in `connection_init`; both are accepted, `connection_init`'s first.
describe('graphql-ws credentials on the upgrade request', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  const executor = (headers: Record<string, string>, connectionParams?: Record<string, unknown>) =>
    buildGraphQLWSExecutor({ url: server.wsUrl, headers, connectionParams });

  it('signs in with the upgrade request’s Authorization (GraphQL Tools executor `headers`) and subscribes', async () => {
    const org = await createOrg(server, 'alice');
    const exec = executor({ authorization: `Bearer ${org.tokens.alice}` });
    try {
      const me: any = await exec({ document: parse('{ me { id } }') });
      expect(me.errors).toBeUndefined();
      expect(me.data.me.id).toBe('alice');
      const before = server.app.services.bus.stats().subscriptions;
      const live = (await exec({
        document: parse(SUBSCRIBE_EVENTS),
        variables: { orgId: org.id },
      })) as AsyncIterableIterator<any>;
      const first = live.next();
      await until(() => server.app.services.bus.stats().subscriptions > before, 'the subscription');
      const sent = await publish(server, org.tokens.alice!, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
      });
      expect((await first).value.data.events.id).toBe(sent.id);
      await live.return?.();
    } finally {
      await exec[Symbol.asyncDispose]();
    }
  });

  it('prefers connection_init’s authorization to the upgrade header', async () => {
    const bob = await token('bob');
    const exec = executor({ authorization: `Bearer ${bob}` }, { authorization: `Bearer ${await token('carol')}` });
    try {
      const me: any = await exec({ document: parse('{ me { id } }') });
      expect(me.data.me.id).toBe('carol');
    } finally {
      await exec[Symbol.asyncDispose]();
    }
  });

  it('refuses a bad upgrade token with 4403 and the reason, as it does in connection_init', async () => {
    // graphql-ws clients retry after 4403 (a token may be renewed): the first close is what the server said.
    let closed: (e: { code: number; reason: string }) => void = () => {};
    const firstClose = new Promise<{ code: number; reason: string }>((resolve) => (closed = resolve));
    const exec = buildGraphQLWSExecutor({
      url: server.wsUrl,
      headers: { authorization: 'Bearer not-a-jwt' },
      on: { closed: (e) => closed(e as { code: number; reason: string }) },
    });
    const answer = Promise.resolve(exec({ document: parse('{ me { id } }') })).catch((err: unknown) => err);
    expect(await firstClose).toMatchObject({ code: 4403, reason: expect.stringContaining('Invalid token') });
    await exec[Symbol.asyncDispose]();
    await answer;
  });
});
