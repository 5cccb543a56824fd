/**
 * `npm run bench:heap`: where an idle subscribed connection's memory goes. Starts the built server (as
 * `npm start` runs it), takes a V8 heap snapshot, opens N subscribed connections (graphql-ws, or SSE with
 * BENCH_HEAP_MODE=sse), takes another, and prints the heap bytes per connection by object kind and name.
 * Env: BENCH_HEAP_CONNECTIONS (2000); BENCH_HEAP_KEEP=1 keeps the snapshots (for DevTools) and prints where.
 * Loopback only; bounded in count and time.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Load, benchOrg, runBench, startSwitchboard, tokens } from './harness.js';

const N = Number(process.env.BENCH_HEAP_CONNECTIONS ?? 2_000);
const MODE = process.env.BENCH_HEAP_MODE === 'sse' ? 'sse' : 'graphql-ws';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes of a heap snapshot summed by "kind:name". */
function summarize(file: string): Map<string, number> {
  const h = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = h.snapshot.meta.node_fields;
  const kinds = h.snapshot.meta.node_types[0];
  const width = fields.length;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const sizes = new Map<string, number>();
  for (let i = 0; i < h.nodes.length; i += width) {
    const key = `${kinds[h.nodes[i + type]!]}:${String(h.strings[h.nodes[i + name]!]).slice(0, 60)}`;
    sizes.set(key, (sizes.get(key) ?? 0) + h.nodes[i + size]!);
  }
  return sizes;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-heap-'));
  const server = await startSwitchboard(dir, {}, ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]);
  try {
    const orgId = await benchOrg(server, 'Heap');
    const snapshot = async (): Promise<Map<string, number>> => {
      const before = new Set(readdirSync(dir));
      server.proc.kill('SIGUSR2');
      for (let i = 0; i < 120; i++) {
        await sleep(1_000);
        const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
        if (!file) continue;
        const size = statSync(join(dir, file)).size;
        await sleep(2_000);
        if (size > 0 && statSync(join(dir, file)).size === size) return summarize(join(dir, file));
      }
      throw new Error('no heap snapshot written');
    };
    await sleep(2_000);
    const base = await snapshot();
    const { member } = await tokens();
    const url = MODE === 'sse' ? `http://127.0.0.1:${server.port}/graphql` : `ws://127.0.0.1:${server.port}/graphql`;
    const load = new Load(url, N, MODE, { token: member, orgId });
    const r = await load.until((x) => x.open >= N, `${N} subscribers`, 120_000);
    await sleep(3_000);
    const loaded = await snapshot();
    const perConnection = [...loaded]
      .map(([k, v]) => [k, (v - (base.get(k) ?? 0)) / r.open] as const)
      .sort((a, b) => b[1] - a[1]);
    const total = perConnection.reduce((a, [, v]) => a + v, 0);
    process.stdout.write(`${MODE}: ${r.open} subscribed connections, ${total.toFixed(0)} heap bytes each\n`);
    for (const [k, v] of perConnection.slice(0, 40)) process.stdout.write(`${v.toFixed(0).padStart(7)}  ${k}\n`);
    await load.close();
  } finally {
    await server.stop();
    if (process.env.BENCH_HEAP_KEEP === '1') process.stdout.write(`snapshots kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runBench('heap probe', 600_000, main);
