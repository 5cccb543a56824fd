/**
 * `npm run bench`: fan-out of one organization's events to N subscribers over loopback, against a raw `ws`
 * broadcast measured in the same run. Servers run as child processes; their CPU time comes from /proc, so
 * the figure survives a noisy machine. Load comes from worker threads of this process. Bounded: each phase
 * stops after its count or 60 s. Also `npm run bench:delivery` (replay, gap fill).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { signToken } from '../../server/auth/tokens.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
const BURST = 20;
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000').split(',').filter(Boolean).map(Number);
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const WORKERS = 2;

interface Server {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

async function spawnServer(args: string[], env: Record<string, string>, ready: RegExp): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(proc);
  let out = '';
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
  return { proc, port, stop: () => new Promise((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM'))) };
}

// Whatever happens, no server is left running.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const TICK_MS = 10; // Linux USER_HZ
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}
function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

interface Report {
  open: number;
  received: number;
  latencies: number[];
}

class Load {
  private readonly workers: Worker[] = [];
  constructor(url: string, connections: number, mode: 'graphql-ws' | 'raw' | 'sse', extra: { token?: string; orgId?: string } = {}) {
    for (let i = 0; i < WORKERS; i++) {
      const share = Math.floor(connections / WORKERS) + (i < connections % WORKERS ? 1 : 0);
      const worker = new Worker(join(ROOT, 'scripts/bench/load-worker.mjs'), { workerData: { url, connections: share, mode, ...extra } });
      worker.on('error', (err) => {
        process.stderr.write(`load thread failed: ${String(err)}\n`);
        process.exit(1);
      });
      this.workers.push(worker);
    }
  }
  async report(): Promise<Report> {
    const parts = await Promise.all(this.workers.map((w) => new Promise<Report>((resolve) => (w.once('message', resolve), w.postMessage('report')))));
    return { open: sum(parts.map((p) => p.open)), received: sum(parts.map((p) => p.received)), latencies: parts.flatMap((p) => p.latencies) };
  }
  async until(done: (r: Report) => boolean, what: string, timeoutMs = 60_000): Promise<Report> {
    const deadline = Date.now() + timeoutMs;
    let latencies: number[] = [];
    for (;;) {
      const r = await this.report();
      latencies = latencies.concat(r.latencies);
      if (done(r)) return { ...r, latencies };
      if (Date.now() > deadline) {
        process.stderr.write(`  ${what}: stopped after ${timeoutMs} ms at ${r.received} messages\n`);
        return { ...r, latencies };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise((resolve) => (w.once('message', resolve), w.postMessage('close')))));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);

interface Target {
  name: string;
  server: Server;
  connect(n: number): Load;
  fire(count: number): Promise<void>;
}

async function gql(port: number, query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function switchboard(dataDir: string): Promise<Target[]> {
  const server = await spawnServer(
    ['server/main.ts'],
    { NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'warn', LIMIT_CONNECTIONS_PER_USER: '100000' },
    /GraphiQL\s+http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const service = await signToken(SECRET, { sub: 'bench-publisher', role: 'service' });
  const member = await signToken(SECRET, { sub: 'bench-user', name: 'Bench' });
  const orgId = (await gql(server.port, 'mutation { createOrganization(name: "Bench") { id } }', {}, service)).createOrganization.id as string;
  await gql(server.port, 'mutation($o: ID!) { addMember(orgId: $o, userId: "bench-user") { role } }', { o: orgId }, service);
  const fire = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await gql(server.port, 'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }', { i: { orgId, channel: 'property', type: 'property.update', payload: { price: 450000, t: Date.now() } } }, service);
    }
  };
  return [
    { name: 'switchboard graphql-ws', server, fire, connect: (n) => new Load(`ws://127.0.0.1:${server.port}/graphql`, n, 'graphql-ws', { token: member, orgId }) },
    { name: 'switchboard SSE', server, fire, connect: (n) => new Load(`http://127.0.0.1:${server.port}/graphql`, n, 'sse', { token: member, orgId }) },
  ];
}

async function raw(): Promise<Target> {
  const server = await spawnServer(['scripts/bench/raw-ws-server.ts'], {}, /"port":(\d+)/);
  return {
    name: 'raw ws broadcast',
    server,
    connect: (n) => new Load(`ws://127.0.0.1:${server.port}`, n, 'raw'),
    async fire(count) {
      await fetch(`http://127.0.0.1:${server.port}/broadcast`, { method: 'POST', body: JSON.stringify({ count }) });
    },
  };
}

async function burst(target: Target, n: number) {
  const load = target.connect(n);
  await load.until((r) => r.open >= n, `${target.name}: ${n} subscribers`);
  await new Promise((r) => setTimeout(r, 500)); // let connection set-up work finish before measuring
  const pid = target.server.proc.pid!;
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  await target.fire(BURST);
  const r = await load.until((x) => x.received >= n * BURST, `${target.name}: burst to ${n}`);
  const wall = Date.now() - t0;
  const cpu = cpuMs(pid) - cpu0;
  await load.close();
  return { n, delivered: r.received, expected: n * BURST, perSecond: (r.received / wall) * 1000, cpuUsPerMsg: (cpu * 1000) / Math.max(1, r.received), p50: pct(r.latencies, 0.5), p99: pct(r.latencies, 0.99) };
}

async function idle(target: Target, n: number) {
  const pid = target.server.proc.pid!;
  const before = rssKiB(pid);
  const load = target.connect(n);
  const r = await load.until((x) => x.open >= n, `${target.name}: ${n} idle subscribers`, 300_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = rssKiB(pid);
  await load.close();
  // Divided by what actually opened: a slow start must not make the figure look better.
  return { open: r.open, kib: (after - before) / Math.max(1, r.open) };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  process.stdout.write(`node ${process.version}, ${cpus().length} cores, burst of ${BURST} events, ${WORKERS} load threads\n\n`);
  const targets = [await raw(), ...(await switchboard(dataDir))];
  try {
    // Idle memory first, on fresh servers: after the bursts, garbage collection would blur the difference.
    const memRows = ['| server | idle connections (opened) | KiB per subscribed connection |', '|---|---|---|'];
    for (const t of targets) {
      const m = await idle(t, IDLE);
      memRows.push(`| ${t.name} | ${m.open}/${IDLE} | ${m.kib.toFixed(1)} |`);
    }
    const rows: string[] = ['| server | N | delivered | msg/s | server CPU µs/msg | ratio to raw | p50 ms | p99 ms |', '|---|---|---|---|---|---|---|---|'];
    for (const n of SIZES) {
      const results = [];
      for (const t of targets) results.push({ t, r: await burst(t, n) });
      const base = results[0]!.r.cpuUsPerMsg;
      for (const { t, r } of results) {
        rows.push(`| ${t.name} | ${n} | ${r.delivered}/${r.expected} | ${r.perSecond.toFixed(0)} | ${r.cpuUsPerMsg.toFixed(1)} | ${(r.cpuUsPerMsg / base).toFixed(2)}× | ${r.p50} | ${r.p99} |`);
      }
    }
    process.stdout.write(`${rows.join('\n')}\n\n${memRows.join('\n')}\n`);
  } finally {
    for (const server of new Set(targets.map((t) => t.server))) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const deadline = setTimeout(() => {
  process.stderr.write('bench exceeded 10 minutes; stopping\n');
  process.exit(1);
}, 600_000);
deadline.unref();
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
