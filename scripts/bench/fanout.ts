/**
 * `npm run bench` (first part): fan-out of one organization's events to N subscribers over loopback,
 * against a raw `ws` broadcast measured in the same run. Servers run as child processes; their CPU time
 * comes from /proc, so the figure survives a noisy machine; each burst is repeated BENCH_ROUNDS times,
 * interleaving the servers, and medians are printed. Load comes from worker threads of this process.
 * Bounded: every wait stops after its count or a timeout, and the whole run after 15 minutes.
 *
 * Env: BENCH_SIZES (default 1000,5000), BENCH_ROUNDS (5), BENCH_IDLE (10000; 0 skips idle memory),
 * BENCH_PACED_SECONDS (10), BENCH_PROFILE=<dir> (V8 profiles of each burst).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Load,
  type Target,
  cpuMs,
  median,
  pct,
  rssKiB,
  runBench,
  startProfile,
  startRaw,
  startSwitchboard,
  switchboardTarget,
} from './harness.js';

const BURST = 20;
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000').split(',').filter(Boolean).map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const PACED_RATE = 10; // events per second
const PACED_N = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Round {
  cpuUsPerMsg: number;
  delivered: number;
  perSecond: number;
  latencies: number[];
}

async function burst(target: Target, load: Load, n: number, round: number): Promise<Round> {
  const base = (await load.report()).received; // also drops latencies reported before
  const pid = target.server.proc.pid!;
  const stopProfile =
    round === 0 ? await startProfile(target.server, `${target.name.replace(/\W+/g, '-')}-${n}.cpuprofile`) : undefined;
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  await target.fire(BURST);
  const r = await load.until((x) => x.received >= base + n * BURST, `${target.name}: burst to ${n}`);
  const wall = Date.now() - t0;
  const cpu = cpuMs(pid) - cpu0;
  await stopProfile?.();
  const delivered = r.received - base;
  return {
    cpuUsPerMsg: (cpu * 1000) / Math.max(1, delivered),
    delivered,
    perSecond: (delivered / wall) * 1000,
    latencies: r.latencies,
  };
}

async function paced(target: Target, load: Load, n: number) {
  const count = PACED_SECONDS * PACED_RATE;
  const base = (await load.report()).received;
  const firing = target.fire(count, 1000 / PACED_RATE);
  const r = await load.until(
    (x) => x.received >= base + n * count,
    `${target.name}: paced to ${n}`,
    (PACED_SECONDS + 20) * 1000,
  );
  await firing;
  return { delivered: r.received - base, expected: n * count, p50: pct(r.latencies, 0.5), p99: pct(r.latencies, 0.99) };
}

/** One target at a time: thousands of simultaneous connection attempts would overflow the accept backlog. */
async function openAll(targets: Target[], n: number): Promise<Load[]> {
  const loads: Load[] = [];
  for (const t of targets) {
    const load = t.connect(n);
    loads.push(load);
    const r = await load.until((x) => x.open >= n, `${t.name}: ${n} subscribers`, 180_000);
    if (r.open < n) throw new Error(`${t.name}: only ${r.open} of ${n} subscribers connected`);
  }
  return loads;
}

async function idleMemory(dataDir: string): Promise<string[]> {
  const rows = ['| server | idle connections (opened) | KiB per subscribed connection |', '|---|---|---|'];
  for (const kind of ['raw', 'graphql-ws', 'sse'] as const) {
    // A fresh server each: memory freed by an earlier phase would flatter the figure.
    const target =
      kind === 'raw'
        ? await startRaw()
        : await switchboardTarget(await startSwitchboard(join(dataDir, `idle-${kind}`)), kind);
    await sleep(1_000);
    const pid = target.server.proc.pid!;
    const before = rssKiB(pid);
    const load = target.connect(IDLE);
    const r = await load.until((x) => x.open >= IDLE, `${target.name}: ${IDLE} idle subscribers`, 300_000);
    await sleep(2_000);
    const after = rssKiB(pid);
    await load.close();
    await target.server.stop();
    // Divided by what actually opened: a slow start must not make the figure look better.
    rows.push(`| ${target.name} | ${r.open}/${IDLE} | ${((after - before) / Math.max(1, r.open)).toFixed(1)} |`);
  }
  return rows;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  out(
    `node ${process.version}, ${cpus().length} cores; bursts of ${BURST} events, ${ROUNDS} rounds per server and N (medians); paced ${PACED_RATE} events/s for ${PACED_SECONDS} s\n`,
  );
  try {
    const memRows = IDLE > 0 ? await idleMemory(dataDir) : [];
    const switchboard = await startSwitchboard(join(dataDir, 'fanout'));
    const targets = [
      await startRaw(),
      await switchboardTarget(switchboard, 'graphql-ws'),
      await switchboardTarget(switchboard, 'sse'),
    ];
    const burstRows = [
      '| server | N | delivered | msg/s | server CPU µs/msg (min–max) | ratio to raw (min–max) | p50 ms | p99 ms |',
      '|---|---|---|---|---|---|---|---|',
    ];
    const pacedRows = ['| server | N | delivered | p50 ms | p99 ms | p99 ratio to raw |', '|---|---|---|---|---|---|'];
    for (const n of SIZES) {
      const loads = await openAll(targets, n);
      await sleep(1_000); // let connection set-up work finish before measuring
      const rounds: Round[][] = targets.map(() => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, t] of targets.entries()) rounds[i]!.push(await burst(t, loads[i]!, n, round));
      }
      for (const [i, t] of targets.entries()) {
        const rs = rounds[i]!;
        const cpu = rs.map((r) => r.cpuUsPerMsg);
        const ratios = rs.map((r, k) => r.cpuUsPerMsg / rounds[0]![k]!.cpuUsPerMsg);
        const lat = rs.flatMap((r) => r.latencies);
        const delivered = rs.reduce((a, r) => a + r.delivered, 0);
        burstRows.push(
          `| ${t.name} | ${n} | ${delivered}/${n * BURST * ROUNDS} | ${median(rs.map((r) => r.perSecond)).toFixed(0)} | ${median(cpu).toFixed(1)} (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) | ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${pct(lat, 0.5)} | ${pct(lat, 0.99)} |`,
        );
      }
      if (n === PACED_N) {
        const results = [];
        for (const [i, t] of targets.entries()) results.push(await paced(t, loads[i]!, n));
        for (const [i, t] of targets.entries()) {
          const r = results[i]!;
          pacedRows.push(
            `| ${t.name} | ${n} | ${((100 * r.delivered) / r.expected).toFixed(1)} % of ${r.expected} | ${r.p50} | ${r.p99} | ${(r.p99 / results[0]!.p99).toFixed(2)}× |`,
          );
        }
      }
      for (const load of loads) await load.close();
    }
    for (const server of new Set(targets.map((t) => t.server))) await server.stop();
    out('Burst: CPU per delivered message');
    out(burstRows.join('\n'));
    if (pacedRows.length > 2)
      out(`\nPaced: ${PACED_RATE} events/s for ${PACED_SECONDS} s, latency publish → receipt\n${pacedRows.join('\n')}`);
    if (memRows.length)
      out(`\nIdle memory at ${IDLE} subscribed connections (RSS growth of a fresh server)\n${memRows.join('\n')}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench('fan-out bench', 900_000, main);
