/**
 * `npm run bench` (publishing): how fast a backend can get events in, against the same server answering a
 * trivial authenticated query in the same run. 50 keep-alive HTTP clients (two worker threads of this
 * process) send, for BENCH_SECONDS each and in BENCH_ROUNDS interleaved rounds: `{ __typename }` with a
 * member's token, then `publishEvent` with a service token. Server CPU from /proc; medians printed.
 *
 * Env: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CLIENTS (50), BENCH_CPU_PROF=<dir> (the server writes a V8 CPU
 * profile of the whole run there when it stops), BENCH_ONLY (one scenario by name, e.g. publishEvent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOrg, cpuMs, median, pct, runBench, startSwitchboard, tokens } from './harness.js';
import { httpLoad } from './http-load.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Measured {
  perSecond: number;
  cpuUs: number;
  p50: number;
  p99: number;
  failed: number;
}

runBench('publish', 15 * 60_000, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-publish-'));
  const profile = process.env.BENCH_CPU_PROF;
  const server = await startSwitchboard(dataDir, {}, profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []);
  try {
    const orgId = await benchOrg(server, 'Publish');
    const { service, member } = await tokens();
    const url = `http://127.0.0.1:${server.port}/graphql`;
    const scenarios = {
      '{ __typename }': { token: member, bodies: [JSON.stringify({ query: '{ __typename }' })] },
      publishEvent: {
        token: service,
        bodies: Array.from({ length: 100 }, (_, i) =>
          JSON.stringify({
            query: 'mutation($i: PublishEventInput!) { publishEvent(input: $i) { cursor } }',
            variables: {
              i: {
                orgId,
                channel: 'property',
                type: 'property.update',
                subjectId: `p-${i}`,
                payload: { price: 1000 + i },
              },
            },
          }),
        ),
      },
    };
    const results = new Map<string, Measured[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, s] of Object.entries(scenarios)) {
        if (process.env.BENCH_ONLY && process.env.BENCH_ONLY !== name) continue;
        const pid = server.proc.pid!;
        const cpu0 = cpuMs(pid);
        const r = await httpLoad(url, {
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          bodies: s.bodies,
          clients: CLIENTS,
          durationMs: SECONDS * 1000,
        });
        const ok = r.statuses['200'] ?? 0;
        const failed = Object.entries(r.statuses).reduce((n, [k, v]) => (k === '200' ? n : n + v), 0);
        const m = {
          perSecond: ok / SECONDS,
          cpuUs: ((cpuMs(pid) - cpu0) * 1000) / Math.max(1, ok),
          p50: pct(r.latencies, 0.5),
          p99: pct(r.latencies, 0.99),
          failed,
        };
        results.set(name, [...(results.get(name) ?? []), m]);
      }
    }
    report(results);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function report(results: Map<string, Measured[]>) {
  out(
    `node ${process.version}; ${CLIENTS} HTTP clients, ${SECONDS} s per scenario, ${ROUNDS} interleaved rounds (medians); embedded store`,
  );
  out();
  out('| request | answered/s | server CPU µs per request | p50 ms | p99 ms | failed | rate vs `{ __typename }` |');
  out('|---|---|---|---|---|---|---|');
  const base = median((results.get('{ __typename }') ?? [{ perSecond: NaN } as Measured]).map((m) => m.perSecond));
  for (const [name, ms] of results) {
    const rate = median(ms.map((m) => m.perSecond));
    out(
      `| ${name} | ${rate.toFixed(0)} | ${median(ms.map((m) => m.cpuUs)).toFixed(0)} | ${median(ms.map((m) => m.p50)).toFixed(1)} | ${median(ms.map((m) => m.p99)).toFixed(1)} | ${ms.reduce((n, m) => n + m.failed, 0)} | ${((rate / base) * 100).toFixed(0)} % |`,
    );
  }
}
