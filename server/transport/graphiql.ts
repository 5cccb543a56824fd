import type { GraphiQLOptions } from 'graphql-yoga';

const EXAMPLE = `# Switchboard: live events per organization.
# 1. Put a token in the Headers tab: {"Authorization": "Bearer <token>"}
#    (the server prints demo tokens at start; or run: npm run token -- --sub alice --name Alice)
# 2. Run "Live" in one tab and "Publish" in another.

subscription Live {
  events(orgId: "org_demo", channels: ["property"]) {
    cursor
    type
    subjectId
    payload
    actor { id name }
    occurredAt
  }
}

mutation Publish {
  publishEvent(input: { orgId: "org_demo", channel: "property", type: "property.update", subjectId: "prop-42", payload: { price: 450000 } }) {
    cursor
    type
  }
}

query Me {
  me { id name organizations { id name members { userId name role } } }
}
`;

/** GraphiQL with subscriptions over graphql-ws (the editor's headers become connection params). */
export function graphiqlOptions(defaultToken?: string): GraphiQLOptions {
  return {
    title: 'Switchboard GraphiQL',
    subscriptionsProtocol: 'WS',
    defaultQuery: EXAMPLE,
    headers: defaultToken ? JSON.stringify({ Authorization: `Bearer ${defaultToken}` }) : undefined,
    shouldPersistHeaders: true,
  };
}
