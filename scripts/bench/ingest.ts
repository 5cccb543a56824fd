/**
 * `npm run bench` (ingest): batched events through the publish API (`POST /v1/events`, batches of 100, a service
 * token) over 1,000 organizations, while 100 of them have a live graphql-ws subscriber that checks it gets every
 * event of its organization, in sequence order. Two shapes of batch, one run each: every batch for one
 * organization (a backend sending one tenant's changes), and every event of a batch for another organization (the
 * worst case for the store: each event touches another organization's pages). On the embedded store, then
 * (BENCH_POSTGRES=1, the default in `npm run bench`) on a fresh PostgreSQL database. Prints events/s accepted,
 * server CPU per event, delivery completeness and order, and publish → receipt latency.
 *
 * Env: BENCH_ORGS (1000), BENCH_SUBSCRIBED (100: organizations with a subscriber), BENCH_BATCH (100),
 * BENCH_SPREADS (organizations per batch, one run each: "1,100"), BENCH_CLIENTS (8), BENCH_SECONDS (10),
 * BENCH_POSTGRES (1), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_PROFILE=<dir> (a V8
 * CPU profile of each server over the measured window).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Load,
  benchOrg,
  cpuMs,
  pct,
  runBench,
  startProfile,
  startSwitchboard,
  tokens,
  withBenchDatabase,
} from './harness.js';
import { httpLoad } from './http-load.js';

const ORGS = Number(process.env.BENCH_ORGS ?? 1_000);
/** Organizations with a live subscriber: the first this many (each checks it gets every event, in order). */
const SUBSCRIBED = Number(process.env.BENCH_SUBSCRIBED ?? 100);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Organizations per batch, one run each: BENCH_SPREADS ("1,100"). */
const SPREADS = (process.env.BENCH_SPREADS ?? `1,${BATCH}`).split(',').map(Number);
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Outcome {
  store: string;
  /** Organizations per batch. */
  spread: number;
  accepted: number;
  perSecond: number;
  cpuUsPerEvent: number;
  delivered: number;
  expected: number;
  disorder: number;
  p50: number;
  p99: number;
  failedRequests: number;
}

/**
 * Request bodies: batches of BATCH events carrying the publisher's clock, each batch over `spread` organizations
 * (1: a backend sending one tenant's events; BATCH: every event to another one, the worst case for the store).
 */
function batches(orgIds: string[], spread: number): string[] {
  const count = Math.max(200, Math.ceil(orgIds.length / spread));
  return Array.from({ length: count }, (_, b) =>
    JSON.stringify({
      events: Array.from({ length: BATCH }, (_, i) => ({
        orgId: orgIds[(b * 7919 + (i % spread) * 104_729) % orgIds.length],
        channel: 'property',
        type: 'property.update',
        subjectId: `p-${i}`,
        payload: { price: 1000 + i, t: 0 },
      })),
    }),
  );
}

async function run(store: string, env: Record<string, string>, spread: number): Promise<Outcome> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-ingest-'));
  const server = await startSwitchboard(dataDir, env);
  try {
    const orgIds: string[] = [];
    for (let i = 0; i < ORGS; i++) orgIds.push(await benchOrg(server, `Ingest ${i}`));
    const { service, member } = await tokens();
    const watched = orgIds.slice(0, SUBSCRIBED);
    const load = new Load(`ws://127.0.0.1:${server.port}/graphql`, watched.length, 'graphql-ws', {
      token: member,
      orgIds: watched,
    });
    await load.until((r) => r.open >= watched.length, 'subscribers to open');
    const bodies = batches(orgIds, spread);
    const pid = server.proc.pid!;
    const stopProfile = await startProfile(server, `ingest-${store.replace(/\W+/g, '-')}-${spread}.cpuprofile`);
    const cpu0 = cpuMs(pid);
    const r = await httpLoad(`http://127.0.0.1:${server.port}/v1/events`, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      bodies,
      clients: CLIENTS,
      durationMs: SECONDS * 1000,
      stampTime: true,
    });
    const cpu = cpuMs(pid) - cpu0;
    await stopProfile();
    const accepted = (r.statuses['200'] ?? 0) * BATCH;
    const failedRequests = Object.entries(r.statuses).reduce((n, [k, v]) => (k === '200' ? n : n + v), 0);
    const watchedSet = new Set(watched);
    const expected = Object.entries(r.okByBody).reduce((n, [b, times]) => {
      const events = (JSON.parse(bodies[Number(b)] as string) as { events: Array<{ orgId: string }> }).events;
      return n + times * events.filter((e) => watchedSet.has(e.orgId)).length;
    }, 0);
    const done = await load.until((x) => x.received >= expected, `${store}: every event delivered`, 60_000);
    await load.close();
    return {
      store,
      spread,
      accepted,
      perSecond: accepted / SECONDS,
      cpuUsPerEvent: (cpu * 1000) / Math.max(1, accepted),
      delivered: done.received,
      expected,
      disorder: done.disorder ?? 0,
      p50: pct(done.latencies, 0.5),
      p99: pct(done.latencies, 0.99),
      failedRequests,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench('ingest', 20 * 60_000, async () => {
  const outcomes: Outcome[] = [];
  for (const spread of SPREADS) outcomes.push(await run('embedded (SQLite)', {}, spread));
  if (process.env.BENCH_POSTGRES !== '0')
    for (const spread of SPREADS)
      outcomes.push(await withBenchDatabase((url) => run('PostgreSQL', { DATABASE_URL: url }, spread)));
  out(
    `node ${process.version}; ${CLIENTS} HTTP clients posting batches of ${BATCH} events (each over 1 or ${BATCH} of ${ORGS} organizations, one run each) for ${SECONDS} s; a graphql-ws subscriber on ${Math.min(SUBSCRIBED, ORGS)} of them`,
  );
  out();
  out(
    '| store | organizations per batch | events accepted/s | server CPU µs per event | delivered / published to watched orgs | out of order | p50 ms | p99 ms | failed requests |',
  );
  out('|---|---|---|---|---|---|---|---|---|');
  for (const o of outcomes) {
    out(
      `| ${o.store} | ${o.spread} | ${o.perSecond.toFixed(0)} | ${o.cpuUsPerEvent.toFixed(1)} | ${o.delivered}/${o.expected} | ${o.disorder} | ${o.p50} | ${o.p99} | ${o.failedRequests} |`,
    );
  }
});
