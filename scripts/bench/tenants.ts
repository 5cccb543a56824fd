/**
 * `npm run bench` (tenants): the shapes apps have, many organizations with a few users each and a filter per
 * user, on Switchboard and on the baselines apps would otherwise write, in the same run: raw `ws` rooms,
 * Socket.IO rooms and stock Yoga (tenants-targets.ts; BENCH_STOCK_YOGA=0 leaves it out). Shapes, each for
 * every target in turn (idle: all but stock Yoga):
 *   burst   BENCH_ORGS (1,000) organizations × 5 subscribers, distinct subject filters; BENCH_EVENTS (5) events
 *           to every organization (8 publishers at a time): server CPU per delivered message, publishing included
 *   paced   the same subscribers, 200 events/s round-robin over the organizations for BENCH_PACED_S (10) s:
 *           CPU per message and delivery latency p99
 *   rooms   50 organizations × 100 subscribers, one filter for all; 10 events to each organization, burst
 *   publish no subscribers, 50 keep-alive HTTP clients for BENCH_SECONDS (5) s: server CPU per publish, rate
 *   idle    BENCH_IDLE_ORGS (10,000) organizations with one subscriber each: server CPU (% of a core) at rest
 *           over BENCH_IDLE_S (15) s, after 5 s to settle
 * Switchboard publishes through `publishEvent` (GraphQL over HTTP) and, as "+ HTTP API", through `POST /v1/events`
 * with one event per request: the path for app backends, the same shape as the baselines' `POST /publish`.
 * BENCH_SWITCHBOARD (graphql-ws,http-api,sse) picks which of Switchboard's targets run, in that order.
 * Each figure is the median of BENCH_ROUNDS (3) measurements (one for paced and idle). BENCH_SHAPES (all)
 * picks shapes by name, comma-separated; BENCH_PROFILE=<dir> profiles Switchboard graphql-ws in each
 * shape (`<shape>.cpuprofile`, and `<shape>-api.cpuprofile` publishing through the HTTP API).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Load, cpuMs, median, pct, runBench, startProfile, startSwitchboard } from './harness.js';
import { httpLoad } from './http-load.js';
import { type RoomsTarget, makeOrgs, startRooms, startStockYoga, switchboardRooms } from './tenants-targets.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ORGS = env('BENCH_ORGS', 1000);
const EVENTS = env('BENCH_EVENTS', 5);
const ROUNDS = env('BENCH_ROUNDS', 3);
const PACED_S = env('BENCH_PACED_S', 10);
const SECONDS = env('BENCH_SECONDS', 5);
const IDLE_ORGS = env('BENCH_IDLE_ORGS', 10_000);
const IDLE_S = env('BENCH_IDLE_S', 15);
const SHAPES = (process.env.BENCH_SHAPES ?? 'burst,paced,rooms,publish,idle').split(',');
const SWITCHBOARD = (process.env.BENCH_SWITCHBOARD ?? 'graphql-ws,http-api,sse').split(',');
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One row of the report: a shape on a target. */
interface Row {
  shape: string;
  target: string;
  value: number;
  unit: string;
  p99?: number;
  extra?: string;
}
const rows: Row[] = [];

/** Publishes one event to each of `orgIds`, in order, 8 requests at a time (as app backends would). */
async function publishAll(t: RoomsTarget, orgIds: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < orgIds.length) await t.publish(orgIds[next++] as string);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Server CPU µs per message delivered while `fire` ran and until `expected` more arrived; latencies too. */
async function measure(t: RoomsTarget, load: Load, expected: number, fire: () => Promise<void>, what: string) {
  const base = (await load.report()).received;
  const pid = t.server.proc.pid!;
  const cpu0 = cpuMs(pid);
  await fire();
  const r = await load.until((x) => x.received >= base + expected, `${t.name}: ${what}`);
  const delivered = Math.max(1, r.received - base);
  return { cpuUs: ((cpuMs(pid) - cpu0) * 1000) / delivered, latencies: r.latencies, short: expected - delivered };
}

/** Runs `body` with a CPU profile of Switchboard graphql-ws (BENCH_PROFILE) around it. */
async function profiled<T>(t: RoomsTarget, name: string, body: () => Promise<T>): Promise<T> {
  const file = { 'Switchboard graphql-ws': name, 'Switchboard graphql-ws + HTTP API': `${name}-api` }[t.name];
  const stop = file ? await startProfile(t.server, `${file}.cpuprofile`) : undefined;
  try {
    return await body();
  } finally {
    await stop?.();
  }
}

async function open(t: RoomsTarget, orgIds: string[], perOrg: number, distinct: boolean): Promise<Load> {
  const load = t.connect(orgIds, perOrg, distinct);
  await load.until((r) => r.open >= orgIds.length * perOrg, `${t.name}: subscribers to open`, 120_000);
  await sleep(1000);
  return load;
}

async function burst(t: RoomsTarget, shape: string, orgs: number, perOrg: number, events: number, distinct: boolean) {
  const orgIds = t.orgs(orgs);
  const load = await open(t, orgIds, perOrg, distinct);
  const cpu: number[] = [];
  const lat: number[] = [];
  let short = 0;
  await profiled(t, shape, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const fire = async () => {
        for (let e = 0; e < events; e++) await publishAll(t, orgIds);
      };
      const m = await measure(t, load, orgs * perOrg * events, fire, shape);
      cpu.push(m.cpuUs);
      lat.push(...m.latencies);
      short += m.short;
    }
  });
  const disorder = (await load.report()).disorder ?? 0;
  await load.close();
  rows.push({
    shape,
    target: t.name,
    value: median(cpu),
    unit: 'µs CPU/msg',
    p99: pct(lat, 0.99),
    extra: `${disorder} out of order, ${short} missing`,
  });
}

async function paced(t: RoomsTarget) {
  const orgIds = t.orgs(ORGS);
  const load = await open(t, orgIds, 5, true);
  const count = 200 * PACED_S;
  const m = await profiled(t, 'paced', () =>
    measure(
      t,
      load,
      count * 5,
      async () => {
        const started = Date.now();
        const sent: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          const wait = started + i * 5 - Date.now();
          if (wait > 0) await sleep(wait);
          sent.push(t.publish(orgIds[i % orgIds.length] as string));
        }
        await Promise.all(sent);
      },
      'paced',
    ),
  );
  await load.close();
  rows.push({
    shape: 'paced',
    target: t.name,
    value: m.cpuUs,
    unit: 'µs CPU/msg',
    p99: pct(m.latencies, 0.99),
    extra: `p50 ${pct(m.latencies, 0.5)} ms`,
  });
}

async function publishOnly(t: RoomsTarget, orgId: string) {
  const req = t.publishRequest(orgId);
  const cpu: number[] = [];
  const rate: number[] = [];
  await profiled(t, 'publish', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const cpu0 = cpuMs(t.server.proc.pid!);
      const r = await httpLoad(req.url, { ...req, clients: 50, durationMs: SECONDS * 1000 });
      const ok = r.statuses['200'] ?? 0;
      cpu.push(((cpuMs(t.server.proc.pid!) - cpu0) * 1000) / Math.max(1, ok));
      rate.push(ok / SECONDS);
    }
  });
  rows.push({
    shape: 'publish',
    target: t.name,
    value: median(cpu),
    unit: 'µs CPU/publish',
    extra: `${median(rate).toFixed(0)}/s`,
  });
}

async function idle(t: RoomsTarget) {
  const load = await open(t, t.orgs(IDLE_ORGS), 1, false);
  await sleep(5000);
  const cpu0 = cpuMs(t.server.proc.pid!);
  await profiled(t, 'idle', () => sleep(IDLE_S * 1000));
  const percent = ((cpuMs(t.server.proc.pid!) - cpu0) / (IDLE_S * 1000)) * 100;
  await load.close();
  rows.push({ shape: 'idle', target: t.name, value: percent, unit: '% of a core' });
}

runBench('tenants', 40 * 60_000, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-tenants-'));
  const sb = await startSwitchboard(dataDir);
  // Stock Yoga (BENCH_STOCK_YOGA=0 leaves it out): the GraphQL recipe an app would otherwise write.
  const stock = process.env.BENCH_STOCK_YOGA === '0' ? [] : [await startStockYoga()];
  const baselines = [await startRooms('raw'), await startRooms('socketio'), ...stock];
  try {
    const orgIds = await makeOrgs(sb, SHAPES.includes('idle') ? Math.max(IDLE_ORGS, ORGS + 1) : ORGS + 1);
    const picked = async (name: string, make: () => Promise<RoomsTarget>) =>
      SWITCHBOARD.includes(name) ? [await make()] : [];
    const ws = await picked('graphql-ws', () => switchboardRooms(sb, orgIds, 'graphql-ws'));
    // The same subscribers, the events published as app backends do: POST /v1/events, as raw's POST /publish.
    const api = await picked('http-api', () => switchboardRooms(sb, orgIds, 'graphql-ws', 'http-api'));
    const sse = await picked('sse', () => switchboardRooms(sb, orgIds, 'sse'));
    const has = (s: string) => SHAPES.includes(s);
    for (const t of [...baselines, ...ws, ...api, ...sse])
      if (has('burst')) await burst(t, 'burst', ORGS, 5, EVENTS, true);
    for (const t of [...baselines, ...ws, ...api]) if (has('paced')) await paced(t);
    for (const t of [...baselines, ...ws, ...api, ...sse])
      if (has('rooms')) await burst(t, 'rooms', 50, 100, 10, false);
    // An organization no subscriber watches (the last one made).
    for (const t of [...baselines, ...ws, ...api])
      if (has('publish')) await publishOnly(t, t.orgs(orgIds.length).at(-1)!);
    for (const t of [...baselines.filter((b) => !stock.includes(b)), ...ws]) if (has('idle')) await idle(t);
  } finally {
    await Promise.all([sb.stop(), ...baselines.map((b) => b.server.stop())]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  report();
});

function report() {
  out(`node ${process.version}; ${ROUNDS} rounds per burst figure (medians); embedded store`);
  out();
  out('| shape | target | figure | vs raw ws rooms | p99 ms | notes |');
  out('|---|---|---|---|---|---|');
  for (const r of rows) {
    const raw = rows.find((x) => x.shape === r.shape && x.target === 'raw ws rooms')?.value ?? NaN;
    const ratio = raw > 0 ? `${(r.value / raw).toFixed(2)}×` : '';
    const digits = r.value < 10 ? 2 : 1;
    out(
      `| ${r.shape} | ${r.target} | ${r.value.toFixed(digits)} ${r.unit} | ${ratio} | ${r.p99 ?? ''} | ${r.extra ?? ''} |`,
    );
  }
}
