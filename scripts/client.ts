/**
 * A terminal client built on the graphql-ws client exactly as a mobile app would use it: the token in
 * connectionParams, keepalive pings, exponential backoff with jitter, and resume from the last cursor,
 * saved to disk so that even a restart of this program misses nothing.
 *
 *   npm run tail -- --org org_demo --channel property [--type property.update] [--token T] [--url U] [--state FILE]
 *   npm run publish-event -- --org org_demo --channel property --type property.update [--subject p-1] [--payload '{"price":1}']
 *
 * The token comes from --token or SWITCHBOARD_TOKEN; the server from --url or SWITCHBOARD_URL
 * (default http://localhost:4000). Events are printed as JSON lines on stdout; status goes to stderr.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.SWITCHBOARD_URL ?? 'http://localhost:4000' },
    token: { type: 'string', default: process.env.SWITCHBOARD_TOKEN },
    org: { type: 'string' },
    channel: { type: 'string', multiple: true },
    type: { type: 'string', multiple: true },
    subject: { type: 'string' },
    payload: { type: 'string' },
    state: { type: 'string' },
  },
});

const command = positionals[0];
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};
if (command !== 'tail' && command !== 'publish')
  fail('usage: client.ts tail|publish --org <id> [--channel c] [--type t] …');
if (!values.org) fail('--org is required');
if (!values.token) fail('a token is required: --token or SWITCHBOARD_TOKEN (npm run token -- --sub you)');

let connected = false;
const client = createClient({
  url: `${values.url.replace(/^http/, 'ws').replace(/\/$/, '')}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${values.token}` },
  keepAlive: 10_000,
  lazy: false,
  retryAttempts: Number.POSITIVE_INFINITY,
  shouldRetry: () => true,
  // 0.5 s, 1 s, 2 s … up to 30 s, each with jitter so that a fleet of clients does not reconnect in step.
  retryWait: (retries) =>
    new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 30_000) * (0.5 + Math.random()))),
  on: {
    connected: () => {
      connected = true;
      process.stderr.write('connected\n');
    },
    closed: (event) => {
      if (connected) process.stderr.write(`disconnected (${(event as { code?: number }).code ?? '?'}); reconnecting\n`);
      connected = false;
    },
  },
});

if (command === 'publish') {
  const input = {
    orgId: values.org,
    channel: values.channel?.[0] ?? fail('--channel is required'),
    type: values.type?.[0] ?? fail('--type is required'),
    subjectId: values.subject ?? null,
    payload: values.payload ? (JSON.parse(values.payload) as unknown) : null,
  };
  client.subscribe(
    {
      query: 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { cursor sequence } }',
      variables: { input },
    },
    {
      next: (r) => process.stdout.write(`${JSON.stringify(r.errors ? { errors: r.errors } : r.data)}\n`),
      error: (err) => fail(`publish failed: ${JSON.stringify(err)}`),
      complete: () => void Promise.resolve(client.dispose()).then(() => process.exit(0)),
    },
  );
} else {
  const stateFile = values.state ?? `.switchboard-tail-${values.org}.json`;
  const saved = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { cursor?: string }) : {};
  const payload = {
    query: `subscription($orgId: ID!, $channels: [String!], $types: [String!], $after: String) {
      events(orgId: $orgId, channels: $channels, types: $types, after: $after) {
        cursor sequence channel type subjectId payload occurredAt actor { id name }
      }
    }`,
    variables: {
      orgId: values.org,
      channels: values.channel ?? null,
      types: values.type ?? null,
      after: saved.cursor ?? null,
    } as Record<string, unknown>,
  };
  client.subscribe(payload, {
    next: (r) => {
      const e = (
        r.data as { events?: { cursor: string; type: string; payload: { reason?: string } | null } } | undefined
      )?.events;
      if (!e) return process.stderr.write(`error: ${JSON.stringify(r.errors)}\n`);
      // CURSOR_*: the saved cursor cannot be resumed from; LOG_REWOUND: the server's log went back (restored backup).
      if (e.type === 'stream.resync')
        process.stderr.write(`resync (${e.payload?.reason}): reload what you keep from history; continuing live\n`);
      else process.stdout.write(`${JSON.stringify(e)}\n`);
      // graphql-ws resends this same payload when it reconnects: make it start from the last event.
      payload.variables.after = e.cursor;
      writeFileSync(stateFile, JSON.stringify({ cursor: e.cursor }));
    },
    error: (err) => fail(`subscription failed: ${JSON.stringify(err)}`),
    complete: () => process.exit(0),
  });
  const stop = () => void Promise.resolve(client.dispose()).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
