/**
 * What the benchmarks share: servers as child processes (CPU and memory read from /proc), load from worker
 * threads on 127.0.0.1, an optional V8 profile over a measured window. Everything is bounded in count and time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createClient as createWsClient } from 'graphql-ws';
import pg from 'pg';
import { WebSocket } from 'ws';
import { signToken } from '../../server/auth/tokens.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
const LOAD_THREADS = 2;

/** BENCH_PROFILE=<dir>: a V8 CPU profile of the server over each measured burst is written there. */
export const PROFILE_DIR = process.env.BENCH_PROFILE;
/** The PostgreSQL server benchmarks create their own databases on. */
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Runs `fn` with the URL of a database created for it on BENCH_POSTGRES_URL (default the machine's,
 * postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards whatever happened.
 */
export async function withBenchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `switchboard_bench_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** BENCH_SERVER_OUT=<file>: every server's stdout is kept there (e.g. with BENCH_NODE_FLAGS=--trace-gc-nvp). */
const SERVER_OUT = process.env.BENCH_SERVER_OUT;

export interface Server {
  proc: ChildProcess;
  port: number;
  inspector?: string;
  stop(): Promise<void>;
}

// Whatever happens, no server is left running.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** `args` are Node's: a script run through tsx, or the build (`npm run build`) that `npm start` runs. */
export async function spawnServer(args: string[], env: Record<string, string>, ready: RegExp): Promise<Server> {
  const flags = PROFILE_DIR ? ['--inspect=127.0.0.1:0'] : [];
  const proc = spawn(process.execPath, [...flags, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', PROFILE_DIR ? 'pipe' : 'inherit'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const inspector = PROFILE_DIR
    ? new Promise<string>((resolve) => {
        let err = '';
        proc.stderr!.on('data', (d) => {
          err += String(d);
          const m = /Debugger listening on (ws:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]!);
        });
      })
    : undefined;
  let out = '';
  if (SERVER_OUT) proc.stdout!.pipe(createWriteStream(SERVER_OUT, { flags: 'a' }));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = ready.exec(out);
      if (m?.[1]) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    proc,
    port,
    inspector: inspector && (await inspector),
    stop: () =>
      new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', () => r()), proc.kill('SIGTERM')))),
  };
}

/** Starts the V8 profiler of a server started with --inspect; the returned function stops it and saves the profile. */
export async function startProfile(server: Server, file: string): Promise<() => Promise<void>> {
  if (!server.inspector || !PROFILE_DIR) return async () => {};
  const socket = new WebSocket(server.inspector);
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  let id = 0;
  const call = (method: string) =>
    new Promise<any>((resolve) => {
      const me = ++id;
      const onMessage = (data: unknown) => {
        const msg = JSON.parse(String(data));
        if (msg.id === me) (socket.off('message', onMessage), resolve(msg.result));
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: me, method }));
    });
  await call('Profiler.enable');
  await call('Profiler.start');
  return async () => {
    const { profile } = await call('Profiler.stop');
    writeFileSync(join(PROFILE_DIR, file), JSON.stringify(profile));
    socket.close();
  };
}

const TICK_MS = 10; // Linux USER_HZ
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}
export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

export interface Report {
  open: number;
  received: number;
  latencies: number[];
  /** With `orgIds`: messages that did not come in sequence order on their connection. */
  disorder?: number;
}

export type LoadMode = 'graphql-ws' | 'raw' | 'sse' | 'socketio';

/** N subscribers on worker threads of this process; see load-worker.mjs. */
export class Load {
  private readonly workers: Worker[] = [];
  constructor(
    url: string,
    connections: number,
    mode: LoadMode,
    extra: { token?: string; orgId?: string; orgIds?: string[]; distinct?: boolean } = {},
  ) {
    let offset = 0;
    for (let i = 0; i < LOAD_THREADS; i++) {
      const share = Math.floor(connections / LOAD_THREADS) + (i < connections % LOAD_THREADS ? 1 : 0);
      const worker = new Worker(join(ROOT, 'scripts/bench/load-worker.mjs'), {
        workerData: { url, connections: share, mode, offset, ...extra },
      });
      offset += share;
      worker.on('error', (err) => {
        process.stderr.write(`load thread failed: ${String(err)}\n`);
        process.exit(1);
      });
      this.workers.push(worker);
    }
  }
  async report(): Promise<Report> {
    const parts = await Promise.all(
      this.workers.map((w) => new Promise<Report>((resolve) => (w.once('message', resolve), w.postMessage('report')))),
    );
    return {
      open: sum(parts.map((p) => p.open)),
      received: sum(parts.map((p) => p.received)),
      latencies: parts.flatMap((p) => p.latencies),
      disorder: sum(parts.map((p) => p.disorder ?? 0)),
    };
  }
  /** Polls until `done` or the timeout; latencies are those reported while waiting. */
  async until(done: (r: Report) => boolean, what: string, timeoutMs = 60_000): Promise<Report> {
    const deadline = Date.now() + timeoutMs;
    let latencies: number[] = [];
    for (;;) {
      const r = await this.report();
      latencies = latencies.concat(r.latencies);
      if (done(r)) return { ...r, latencies };
      if (Date.now() > deadline) {
        process.stderr.write(`  ${what}: stopped after ${timeoutMs} ms at ${r.received} messages, ${r.open} open\n`);
        return { ...r, latencies };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => new Promise((resolve) => (w.once('message', resolve), w.postMessage('close')))),
    );
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN;
export const median = (xs: number[]) => pct(xs, 0.5);

export async function gql(port: number, query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Something that fans events out to N subscribers: a raw broadcast, or one organization on Switchboard. */
export interface Target {
  name: string;
  server: Server;
  connect(n: number): Load;
  /** `count` events; with `intervalMs`, one every `intervalMs`. Resolves when all were published. */
  fire(count: number, intervalMs?: number): Promise<void>;
}

export async function startRaw(): Promise<Target> {
  const server = await spawnServer(['--import', 'tsx', 'scripts/bench/raw-ws-server.ts'], {}, /"port":(\d+)/);
  return {
    name: 'raw ws broadcast',
    server,
    connect: (n) => new Load(`ws://127.0.0.1:${server.port}`, n, 'raw'),
    async fire(count, intervalMs = 0) {
      await fetch(`http://127.0.0.1:${server.port}/broadcast`, {
        method: 'POST',
        body: JSON.stringify({ count, intervalMs }),
      });
    },
  };
}

/** Switchboard as `npm start` runs it: the build in dist/ (the bench command builds it first). */
export async function startSwitchboard(
  dataDir: string,
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
): Promise<Server> {
  // BENCH_NODE_FLAGS: Node flags to try on the server (e.g. "--max-semi-space-size=32"), space-separated.
  const tried = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  return spawnServer(
    [...tried, ...nodeFlags, 'dist/server/main.js'],
    {
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      LIMIT_CONNECTIONS_PER_USER: '100000',
      ...env,
    },
    /GraphiQL\s+http:\/\/127\.0\.0\.1:(\d+)/,
  );
}

let signed: Promise<{ service: string; member: string }> | undefined;
/**
 * Signed once per run: a token signed across a second boundary can carry a lifetime of 30 days and 1 s, which
 * the server refuses; over the tenants bench's 20,000 setup requests that happened.
 */
export const tokens = () =>
  (signed ??= (async () => ({
    service: await signToken(SECRET, { sub: 'bench-publisher', role: 'service' }),
    member: await signToken(SECRET, { sub: 'bench-user', name: 'Bench' }),
  }))());

/** A fresh organization with the bench user as a member. */
export async function benchOrg(server: Server, name: string): Promise<string> {
  const { service } = await tokens();
  const orgId = (
    await gql(server.port, 'mutation($n: String!) { createOrganization(name: $n) { id } }', { n: name }, service)
  ).createOrganization.id as string;
  await gql(
    server.port,
    'mutation($o: ID!) { addMember(orgId: $o, userId: "bench-user") { role } }',
    { o: orgId },
    service,
  );
  return orgId;
}

/** Publishes through the public mutation, as an app's backend would; `t` in the payload times delivery. */
export async function publish(server: Server, orgId: string, count: number, intervalMs = 0): Promise<void> {
  const { service } = await tokens();
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    if (intervalMs > 0) {
      const wait = started + i * intervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await gql(
      server.port,
      'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }',
      { i: { orgId, channel: 'property', type: 'property.update', payload: { price: 450000, t: Date.now() } } },
      service,
    );
  }
}

/** One transport of Switchboard on its own organization (so targets sharing a server never see each other's events). */
export async function switchboardTarget(server: Server, transport: 'graphql-ws' | 'sse'): Promise<Target> {
  const { member } = await tokens();
  const orgId = await benchOrg(server, `Bench ${transport}`);
  const url = transport === 'sse' ? `http://127.0.0.1:${server.port}/graphql` : `ws://127.0.0.1:${server.port}/graphql`;
  return {
    name: `switchboard ${transport === 'sse' ? 'SSE' : 'graphql-ws'}`,
    server,
    connect: (n) => new Load(url, n, transport, { token: member, orgId }),
    fire: (count, intervalMs) => publish(server, orgId, count, intervalMs),
  };
}

/** Runs a benchmark's `main` and exits; past `limitMs` it stops the whole run (no server is left behind). */
export function runBench(name: string, limitMs: number, main: () => Promise<void>): void {
  const deadline = setTimeout(() => {
    process.stderr.write(`${name} exceeded ${Math.round(limitMs / 60_000)} minutes; stopping\n`);
    process.exit(1);
  }, limitMs);
  deadline.unref();
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * One graphql-ws subscriber of an organization's events of `type`, recording for each the payload's `n` and
 * how long after the payload's `t` (ms since the epoch, set by the writer) it arrived.
 */
export async function timedSubscriber(server: Server, orgId: string, type: string) {
  const { member } = await tokens();
  const received: Array<{ t: number; at: number; n: number }> = [];
  let onEvent: (() => void) | undefined;
  const ws = createWsClient({
    url: `ws://127.0.0.1:${server.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${member}` },
  });
  ws.subscribe(
    { query: `subscription { events(orgId: "${orgId}", types: ["${type}"]) { payload } }` },
    {
      next: (r) => {
        const p = (r.data as { events: { payload: { t: number; n: number } } }).events.payload;
        received.push({ t: p.t, at: Date.now(), n: p.n });
        onEvent?.();
      },
      error: (e) => console.error(e),
      complete: () => {},
    },
  );
  // Registered once the server counts it (serverStats, as a service).
  const { service } = await tokens();
  for (let i = 0; i < 100; i++) {
    const stats = await gql(server.port, '{ serverStats { subscriptions } }', {}, service);
    if (stats.serverStats.subscriptions > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  /** Resolves once `count` events arrived; rejects after `limitMs`. */
  const until = (count: number, limitMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${received.length} of ${count} events`)), limitMs);
      onEvent = () => {
        if (received.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      };
      onEvent();
    });
  return { received, until, dispose: () => ws.dispose() };
}
