/**
 * The servers the tenants benchmark compares, behind one shape: organizations (rooms), subscribers spread
 * over them, and one publish over HTTP. Raw `ws` rooms, Socket.IO rooms and stock Yoga are child processes of
 * their own; Switchboard is the build (`npm start`), publishing with a service token through `publishEvent` (GraphQL
 * over HTTP) or through the publish API (`POST /v1/events`, one event per request, as raw's `POST /publish`).
 */
import { Load, type Server, benchOrg, gql, spawnServer, tokens } from './harness.js';

export interface RoomsTarget {
  name: string;
  server: Server;
  /** The first `n` organizations (rooms) of this target. */
  orgs(n: number): string[];
  /** `perOrg` subscribers in each of `orgIds`; `distinct`: a filter of their own each (load-worker.mjs). */
  connect(orgIds: string[], perOrg: number, distinct: boolean): Load;
  /** One event to `orgId` (subject `shared`, what every subscriber's filter names); `t` times its delivery. */
  publish(orgId: string): Promise<void>;
  /** For HTTP load (publish only): the request a publish is, with bodies to send in turn. */
  publishRequest(orgId: string): { url: string; headers: Record<string, string>; bodies: string[] };
}

const payload = () => ({ price: 450000, t: Date.now() });

/** Raw `ws` rooms or Socket.IO rooms: synthetic room names, publishes to `<org>` or `<org>:shared`. */
export async function startRooms(kind: 'raw' | 'socketio'): Promise<RoomsTarget> {
  const script = kind === 'raw' ? 'scripts/bench/raw-rooms-server.ts' : 'scripts/bench/socketio-rooms-server.ts';
  const server = await spawnServer(['--import', 'tsx', script], {}, /"port":(\d+)/);
  const base = `http://127.0.0.1:${server.port}`;
  let distinctRooms = false;
  const room = (orgId: string) => (distinctRooms ? `${orgId}:shared` : orgId);
  return {
    name: kind === 'raw' ? 'raw ws rooms' : 'Socket.IO rooms',
    server,
    orgs: (n) => Array.from({ length: n }, (_, i) => `o${i}`),
    connect(orgIds, perOrg, distinct) {
      distinctRooms = distinct;
      const url = kind === 'raw' ? `ws://127.0.0.1:${server.port}/` : base;
      return new Load(url, orgIds.length * perOrg, kind, { orgIds, distinct });
    },
    async publish(orgId) {
      const res = await fetch(`${base}/publish`, {
        method: 'POST',
        body: JSON.stringify({ room: room(orgId), payload: payload() }),
      });
      await res.text();
    },
    publishRequest: (orgId) => ({
      url: `${base}/publish`,
      headers: { 'content-type': 'application/json' },
      bodies: [JSON.stringify({ room: orgId, payload: { price: 450000 } })],
    }),
  };
}

const PUBLISH = 'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }';

/** How a Switchboard target publishes: the GraphQL mutation, or the publish API for app backends. */
export type PublishPath = 'publishEvent' | 'http-api';

/**
 * Switchboard's graphql-ws or SSE transport on a server of the build, with `orgCount` organizations made up
 * front, publishing through `via`.
 */
export async function switchboardRooms(
  server: Server,
  orgIds: string[],
  transport: 'graphql-ws' | 'sse',
  via: PublishPath = 'publishEvent',
) {
  const { service, member } = await tokens();
  const url = transport === 'sse' ? `http://127.0.0.1:${server.port}/graphql` : `ws://127.0.0.1:${server.port}/graphql`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${service}` };
  const event = (orgId: string, subjectId: string, payload: object) => ({
    orgId,
    channel: 'property',
    type: 'property.update',
    subjectId,
    payload,
  });
  const request =
    via === 'http-api'
      ? { url: `http://127.0.0.1:${server.port}/v1/events`, body: (e: object) => JSON.stringify({ events: [e] }) }
      : {
          url: `http://127.0.0.1:${server.port}/graphql`,
          body: (e: object) => JSON.stringify({ query: PUBLISH, variables: { i: e } }),
        };
  const target: RoomsTarget = {
    name: `Switchboard ${transport === 'sse' ? 'SSE' : 'graphql-ws'}${via === 'http-api' ? ' + HTTP API' : ''}`,
    server,
    orgs: (n) => orgIds.slice(0, n),
    connect: (ids, perOrg, distinct) =>
      new Load(url, ids.length * perOrg, transport, { token: member, orgIds: ids, distinct }),
    async publish(orgId) {
      const res = await fetch(request.url, {
        method: 'POST',
        headers,
        body: request.body(event(orgId, 'shared', payload())),
      });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"errors"') || text.includes('"error"'))
        throw new Error(`${target.name}: publish refused (${res.status}): ${text}`);
    },
    publishRequest: (orgId) => ({
      url: request.url,
      headers,
      bodies: Array.from({ length: 100 }, (_, k) => request.body(event(orgId, `p-${k}`, { price: k }))),
    }),
  };
  return target;
}

/**
 * Stock Yoga (stock-yoga-server.ts): the same `publishEvent` and `events` as Switchboard, on graphql-ws, with
 * nothing behind them but Yoga's in-memory pub/sub. Organizations are names; no token is checked.
 */
export async function startStockYoga(): Promise<RoomsTarget> {
  const server = await spawnServer(['--import', 'tsx', 'scripts/bench/stock-yoga-server.ts'], {}, /"port":(\d+)/);
  return {
    name: 'stock Yoga',
    server,
    orgs: (n) => Array.from({ length: n }, (_, i) => `o${i}`),
    connect: (ids, perOrg, distinct) =>
      new Load(`ws://127.0.0.1:${server.port}/graphql`, ids.length * perOrg, 'graphql-ws', {
        token: 'none',
        orgIds: ids,
        distinct,
      }),
    async publish(orgId) {
      const i = { orgId, channel: 'property', type: 'property.update', subjectId: 'shared', payload: payload() };
      await gql(server.port, PUBLISH, { i }, 'none');
    },
    publishRequest: (orgId) => ({
      url: `http://127.0.0.1:${server.port}/graphql`,
      headers: { 'content-type': 'application/json' },
      bodies: Array.from({ length: 100 }, (_, k) =>
        JSON.stringify({
          query: PUBLISH,
          variables: {
            i: { orgId, channel: 'property', type: 'property.update', subjectId: `p-${k}`, payload: { price: k } },
          },
        }),
      ),
    }),
  };
}

/** `n` organizations with the bench user as a member, made CONCURRENCY at a time. */
export async function makeOrgs(server: Server, n: number): Promise<string[]> {
  const ids: string[] = new Array<string>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      ids[i] = await benchOrg(server, `Tenant ${i}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return ids;
}
