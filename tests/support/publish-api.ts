import { gqlOk } from './http.js';
import { type TestServer, token } from './server.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** `POST /v1/events` as any backend sends it: `body` is JSON-encoded unless it is already a string. */
export async function postEvents(server: TestServer, auth: string | undefined, body: unknown): Promise<ApiResponse> {
  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      connection: 'close',
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export const event = (orgId: string, extra: Record<string, unknown> = {}) => ({
  orgId,
  channel: 'property',
  type: 'property.update',
  ...extra,
});

/** A service's token, which may publish to and read any organization. */
export const serviceToken = () => token('backend', { service: true, name: 'Backend' });

type Stored = {
  id: string;
  sequence: number;
  cursor: string;
  type: string;
  subjectId: string | null;
  payload: any;
  actor: { id: string; name: string | null; isService: boolean };
};

/** Every stored event of an organization, oldest first, as a service reads them (page after page). */
export async function storedEvents(server: TestServer, orgId: string): Promise<Stored[]> {
  const auth = await serviceToken();
  const all: Stored[] = [];
  for (let after: string | null = null; ;) {
    const data: any = await gqlOk(
      server.graphqlUrl,
      'query($o: ID!, $a: String) { events(orgId: $o, first: 500, after: $a) { pageInfo { hasNextPage endCursor } nodes { id sequence cursor type subjectId payload actor { id name isService } } } }',
      { o: orgId, a: after },
      auth,
    );
    all.push(...(data.events.nodes as Stored[]));
    if (!data.events.pageInfo.hasNextPage) return all;
    after = data.events.pageInfo.endCursor;
  }
}

/** A new API key of the organization, made by `auth` (an OWNER, ADMIN or service). */
export async function createApiKey(server: TestServer, auth: string, orgId: string, name = 'backend') {
  const data = await gqlOk(
    server.graphqlUrl,
    'mutation($o: ID!, $n: String!) { createApiKey(orgId: $o, name: $n) { secret apiKey { id orgId name createdBy lastUsedAt revokedAt } } }',
    { o: orgId, n: name },
    auth,
  );
  return data.createApiKey as {
    secret: string;
    apiKey: {
      id: string;
      orgId: string;
      name: string;
      createdBy: string;
      lastUsedAt: string | null;
      revokedAt: string | null;
    };
  };
}
