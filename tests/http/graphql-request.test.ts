import { ClientError, GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../support/fixtures.js';
import { type TestServer, startServer, token } from '../support/server.js';

// graphql-request, as a backend or script sends queries and mutations: plain JSON over POST with its own Accept.
describe('graphql-request', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  const client = (auth: string) =>
    new GraphQLClient(server.graphqlUrl, { headers: { authorization: `Bearer ${auth}` } });

  it('queries and publishes with a token; a stranger gets FORBIDDEN as a ClientError, and the client carries on', async () => {
    const org = await createOrg(server, 'alice');
    const alice = client(org.tokens.alice!);
    expect(await alice.request<{ me: { id: string } }>('{ me { id } }')).toEqual({ me: { id: 'alice' } });
    const published = await alice.request<{ publishEvent: { type: string } }>(
      'mutation($i: PublishEventInput!) { publishEvent(input: $i) { type } }',
      { i: { orgId: org.id, channel: 'user', type: 'user.activity' } },
    );
    expect(published.publishEvent.type).toBe('user.activity');

    const stranger = client(await token('mallory'));
    const refused = await stranger
      .request(`{ events(orgId: "${org.id}") { nodes { id } } }`)
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ClientError);
    expect((refused as ClientError).response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await stranger.request<{ me: { id: string } }>('{ me { id } }')).toEqual({ me: { id: 'mallory' } });
  });

  it('gets 401 UNAUTHENTICATED for a bad token, as a ClientError with the reason', async () => {
    const refused = await client('nope')
      .request('{ me { id } }')
      .catch((err: unknown) => err);
    expect((refused as ClientError).response.status).toBe(401);
    expect((refused as ClientError).response.errors?.[0]?.message).toMatch(/^Invalid token/);
  });
});
