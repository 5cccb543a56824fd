/**
 * The stock recipe an app would write instead (issue 18's "stock Yoga"): graphql-yoga with its in-memory
 * `createPubSub`, graphql-ws through `yoga.getEnveloped` as Yoga's docs show, a topic per organization and the
 * subscriber's channel and subject filters applied with `filter`/`pipe`. No authentication, no durable log, no
 * limits: a floor for what GraphQL itself costs per event. Same shapes as Switchboard's `publishEvent` and
 * `events`, so the load threads (load-worker.mjs) and the tenants benchmark drive it unchanged.
 */
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import { useServer } from 'graphql-ws/use/ws';
import { JSONResolver } from 'graphql-scalars';
import { createPubSub, createSchema, createYoga, filter, pipe } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { listen } from './rooms-publish.js';

interface Event {
  sequence: number;
  channel: string;
  type: string;
  subjectId: string | null;
  payload: unknown;
}
interface PublishInput {
  orgId: string;
  channel: string;
  type: string;
  subjectId?: string | null;
  payload?: unknown;
}

// A hundred subscribers of one organization are a hundred listeners on the pub/sub's EventTarget: no warning.
setMaxListeners(0);
const pubsub = createPubSub<{ org: [orgId: string, event: Event] }>();
const sequences = new Map<string, number>();

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    scalar JSON
    type Event {
      sequence: Int!
      channel: String!
      type: String!
      subjectId: ID
      payload: JSON
    }
    type PublishResult {
      sequence: Int!
    }
    input PublishEventInput {
      orgId: ID!
      channel: String!
      type: String!
      subjectId: ID
      payload: JSON
    }
    type Query {
      ok: Boolean!
    }
    type Mutation {
      publishEvent(input: PublishEventInput!): PublishResult!
    }
    type Subscription {
      events(orgId: ID!, channels: [String!], subjectIds: [ID!]): Event!
    }
  `,
  resolvers: {
    JSON: JSONResolver,
    Query: { ok: () => true },
    Mutation: {
      publishEvent: (_: unknown, { input }: { input: PublishInput }) => {
        const sequence = (sequences.get(input.orgId) ?? 0) + 1;
        sequences.set(input.orgId, sequence);
        const event = {
          sequence,
          channel: input.channel,
          type: input.type,
          subjectId: input.subjectId ?? null,
          payload: input.payload ?? null,
        };
        pubsub.publish('org', input.orgId, event);
        return { sequence };
      },
    },
    Subscription: {
      events: {
        subscribe: (_: unknown, a: { orgId: string; channels?: string[] | null; subjectIds?: string[] | null }) =>
          pipe(
            pubsub.subscribe('org', a.orgId),
            filter(
              (e: Event) =>
                (!a.channels || a.channels.includes(e.channel)) &&
                (!a.subjectIds || (e.subjectId !== null && a.subjectIds.includes(e.subjectId))),
            ),
          ),
        resolve: (e: Event) => e,
      },
    },
  },
});

const yoga = createYoga({ schema, logging: false, graphiql: false });
const server = createServer(yoga);
const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, perMessageDeflate: false });
useServer(
  {
    execute: (args: any) => args.rootValue.execute(args),
    subscribe: (args: any) => args.rootValue.subscribe(args),
    onSubscribe: async (ctx, _id, params) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params,
      });
      const args = {
        schema,
        operationName: params.operationName,
        document: parse(params.query),
        variableValues: params.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
      };
      const errors = validate(args.schema, args.document);
      return errors.length ? errors : args;
    },
  },
  wss,
);
listen(server);
