import { SubscriptionClient } from 'subscriptions-transport-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '../support/clients.js';
import { createOrg } from '../support/fixtures.js';
import { Inbox, until } from '../support/inbox.js';
import { type TestServer, startServer } from '../support/server.js';

// subscriptions-transport-ws (the legacy protocol, subprotocol "graphql-ws") is refused with a close code and
// a reason its client can show, instead of a handshake it aborts with "Server sent no subprotocol".
describe('the legacy subscriptions-transport-ws protocol', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('is refused with 4406 and a reason naming the protocol to use; nothing stays open', async () => {
    const org = await createOrg(server, 'alice');
    const closes = new Inbox<{ code: number; reason: string; protocol: string }>();
    const errors: unknown[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.on('error', (err) => errors.push(err));
        this.on('close', (code, reason) => closes.push({ code, reason: String(reason), protocol: this.protocol }));
      }
    }
    const legacy = new SubscriptionClient(
      server.wsUrl,
      { reconnect: false, connectionParams: { authorization: `Bearer ${org.tokens.alice}` } },
      RecordingWebSocket,
    );
    legacy
      .request({ query: `subscription { events(orgId: "${org.id}") { id } }` })
      .subscribe({ next: () => {}, error: () => {} });
    expect(await closes.next('the close')).toEqual({
      code: 4406,
      reason: 'subscriptions-transport-ws is not served: use graphql-ws (subprotocol graphql-transport-ws)',
      protocol: 'graphql-ws',
    });
    expect(errors).toEqual([]);
    legacy.close();
    await until(() => server.app.services.metrics.figures?.connections().ws === 0, 'no connection left');

    // The same server serves graphql-ws clients as before.
    const client = connect('ws', server, org.tokens.alice);
    const me = client.subscribe('{ me { id } }');
    expect((await me.results.next('the answer')).data?.me.id).toBe('alice');
    await client.dispose();
  });
});
