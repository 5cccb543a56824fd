import { gqlOk } from './http.js';
import { token } from './server.js';
import type { TestServer } from './server.js';

export const EVENT_FIELDS =
  'id orgId cursor sequence channel type subjectId payload actor { id name isService } member { userId role } organization { id name }';
export const SUBSCRIBE_EVENTS = `subscription Live($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!], $after: String) {
  events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, after: $after) { ${EVENT_FIELDS} }
}`;
export const PUBLISH = `mutation Publish($input: PublishEventInput!) { publishEvent(input: $input) { ${EVENT_FIELDS} } }`;

export interface Org {
  id: string;
  tokens: Record<string, string>;
}

let counter = 0;

/** An organization owned by `owner`, with the other users added in the given roles. Tokens for all. */
export async function createOrg(
  server: TestServer,
  owner: string,
  members: Record<string, 'ADMIN' | 'MEMBER' | 'VIEWER'> = {},
): Promise<Org> {
  const tokens: Record<string, string> = { [owner]: await token(owner, { name: owner.toUpperCase() }) };
  const data = await gqlOk(
    server.graphqlUrl,
    'mutation($n: String!) { createOrganization(name: $n) { id } }',
    { n: `Org ${++counter}` },
    tokens[owner],
  );
  const id = data.createOrganization.id as string;
  for (const [user, role] of Object.entries(members)) {
    tokens[user] = await token(user, { name: user.toUpperCase() });
    await gqlOk(
      server.graphqlUrl,
      'mutation($o: ID!, $u: ID!, $r: Role) { addMember(orgId: $o, userId: $u, role: $r) { role } }',
      { o: id, u: user, r: role },
      tokens[owner],
    );
  }
  return { id, tokens };
}

export async function publish(server: TestServer, auth: string, input: Record<string, unknown>) {
  const data = await gqlOk(server.graphqlUrl, PUBLISH, { input }, auth);
  return data.publishEvent as {
    id: string;
    cursor: string;
    sequence: number;
    type: string;
    channel: string;
    subjectId: string | null;
  };
}
