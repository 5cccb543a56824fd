/**
 * `npm run bench` (third part): BENCH_SOAK_CONNECTIONS (15,000) subscribed graphql-ws connections held on
 * one instance for BENCH_SOAK_MINUTES (10), one event every 10 s to all of them, the server's memory
 * sampled every 30 s. Needs `ulimit -n` above the connection count (the bench command raises it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssKiB, runBench, startSwitchboard, switchboardTarget } from './harness.js';

const CONNECTIONS = Number(process.env.BENCH_SOAK_CONNECTIONS ?? 15_000);
const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const EVENT_EVERY_MS = 10_000;
const SAMPLE_EVERY_MS = 30_000;

const heapUsedMiB = async (port: number) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^switchboard_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-soak-'));
  const server = await startSwitchboard(dataDir);
  try {
    const target = await switchboardTarget(server, 'graphql-ws');
    process.stdout.write(
      `\nSoak: ${CONNECTIONS} subscribed graphql-ws connections for ${MINUTES} min, one event every ${EVENT_EVERY_MS / 1000} s\n`,
    );
    const load = target.connect(CONNECTIONS);
    const opened = await load.until((r) => r.open >= CONNECTIONS, `${CONNECTIONS} subscribers`, 300_000);
    const rows = ['| minute | open | events delivered to all | RSS MiB | heap used MiB |', '|---|---|---|---|---|'];
    const samples: number[] = [];
    let events = 0;
    const started = Date.now();
    const end = started + MINUTES * 60_000;
    let nextEvent = started;
    let nextSample = started;
    while (Date.now() < end) {
      if (Date.now() >= nextEvent) {
        await target.fire(1);
        events++;
        nextEvent += EVENT_EVERY_MS;
      }
      if (Date.now() >= nextSample) {
        // Every event so far reached every connection before the sample is taken.
        const r = await load.until((x) => x.received >= events * CONNECTIONS, `event ${events} to all`, 30_000);
        const rss = rssKiB(server.proc.pid!) / 1024;
        samples.push(rss);
        rows.push(
          `| ${((Date.now() - started) / 60_000).toFixed(1)} | ${r.open} | ${Math.floor(r.received / CONNECTIONS)}/${events} | ${rss.toFixed(0)} | ${(await heapUsedMiB(server.port)).toFixed(0)} |`,
        );
        nextSample += SAMPLE_EVERY_MS;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(nextEvent, nextSample) - Date.now())));
    }
    const final = await load.until((x) => x.received >= events * CONNECTIONS, 'the last event to all', 30_000);
    await load.close();
    process.stdout.write(`${rows.join('\n')}\n`);
    // Flat memory: the second half's peak RSS against the first half's (the first sample, taken right
    // after the connections opened, is left out).
    const half = Math.floor(samples.length / 2);
    const firstPeak = Math.max(...samples.slice(1, half + 1));
    const laterPeak = Math.max(...samples.slice(half + 1));
    const verdict =
      samples.length < 4
        ? 'too short to judge memory (fewer than 4 samples)'
        : `RSS peak ${firstPeak.toFixed(0)} MiB in the first half, ${laterPeak.toFixed(0)} MiB in the second (${(((laterPeak - firstPeak) / firstPeak) * 100).toFixed(1)} %)`;
    process.stdout.write(
      `opened ${opened.open}/${CONNECTIONS}; ${final.received}/${events * CONNECTIONS} messages delivered; ${verdict}\n`,
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench('soak', (MINUTES + 8) * 60_000, main);
