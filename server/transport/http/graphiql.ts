import type { GraphiQLOptions } from 'graphql-yoga';

const EXAMPLE = `# Switchboard: live events per organization.
# The Headers tab holds the token (in local development on
# the server's own machine, the demo user Alice's; elsewhere
# paste one). Others: npm run token -- --sub carol
# Run "Live" from the play button's menu, then publish from
# a second browser window or with curl (GraphiQL's tabs share
# one run button: "Publish" here would stop "Live").

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
  publishEvent(input: {
    orgId: "org_demo"
    channel: "property"
    type: "property.update"
    subjectId: "prop-42"
    payload: { price: 450000 }
  }) {
    cursor
    type
  }
}

query Me {
  me { id name organizations { id name members { userId name role } } }
}
`;

/**
 * GraphiQL with subscriptions over graphql-ws. GraphiQL sends the Headers tab with every operation (in
 * `extensions.headers`, not as connection params); transport/ws.ts accepts the token from there.
 */
export function graphiqlOptions(defaultToken?: string): GraphiQLOptions {
  return {
    title: 'Switchboard GraphiQL',
    subscriptionsProtocol: 'WS',
    defaultQuery: EXAMPLE,
    headers: defaultToken ? JSON.stringify({ Authorization: `Bearer ${defaultToken}` }) : undefined,
    shouldPersistHeaders: true,
  };
}
