/**
 * `npm run bench` (tenants): the multi-tenant shape of fan-out, beside the single-organization one at the same
 * size. BENCH_TENANTS organizations with BENCH_PER_TENANT graphql-ws subscribers each (the bench user in all of
 * them); each round publishes BENCH_EVENTS events to every organization through `publishEvent` (8 at a time,
 * as app backends would), then the same number of deliveries to one organization holding as many subscribers.
 * Prints server CPU per delivered message (publishing included: in the multi-tenant shape each publish reaches
 * only BENCH_PER_TENANT subscribers), messages out of order, and delivery latency; medians of BENCH_ROUNDS.
 *
 * Env: BENCH_TENANTS (200), BENCH_PER_TENANT (10), BENCH_EVENTS (5), BENCH_ROUNDS (5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Load, benchOrg, cpuMs, gql, median, pct, runBench, startSwitchboard, tokens } from './harness.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 200);
const PER_TENANT = Number(process.env.BENCH_PER_TENANT ?? 10);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PUBLISHERS = 8;
const out = (line = '') => process.stdout.write(`${line}\n`);

const PUBLISH = 'mutation($i: PublishEventInput!) { publishEvent(input: $i) { sequence } }';

/** Publishes one event to each of `orgIds`, in order, PUBLISHERS requests at a time. */
async function publishAll(port: number, orgIds: readonly string[], service: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < orgIds.length) {
      const orgId = orgIds[next++] as string;
      const i = { orgId, channel: 'property', type: 'property.update', payload: { price: 450000, t: Date.now() } };
      await gql(port, PUBLISH, { i }, service);
    }
  };
  await Promise.all(Array.from({ length: PUBLISHERS }, worker));
}

interface Round {
  cpuUsPerMsg: number;
  latencies: number[];
}

runBench('tenants', 20 * 60_000, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-tenants-'));
  const server = await startSwitchboard(dataDir);
  try {
    const { service, member } = await tokens();
    const tenants: string[] = [];
    for (let i = 0; i < TENANTS; i++) tenants.push(await benchOrg(server, `Tenant ${i}`));
    const single = await benchOrg(server, 'Single');
    const url = `ws://127.0.0.1:${server.port}/graphql`;
    const n = TENANTS * PER_TENANT;
    const multi = new Load(url, n, 'graphql-ws', { token: member, orgIds: tenants });
    const one = new Load(url, n, 'graphql-ws', { token: member, orgId: single });
    await multi.until((r) => r.open >= n, 'multi-tenant subscribers to open');
    await one.until((r) => r.open >= n, 'single-organization subscribers to open');
    const pid = server.proc.pid!;
    const deliveries = TENANTS * PER_TENANT * EVENTS;

    const measure = async (load: Load, fire: () => Promise<void>, what: string): Promise<Round> => {
      const base = (await load.report()).received;
      const cpu0 = cpuMs(pid);
      await fire();
      const r = await load.until((x) => x.received >= base + deliveries, what);
      return { cpuUsPerMsg: ((cpuMs(pid) - cpu0) * 1000) / Math.max(1, r.received - base), latencies: r.latencies };
    };
    const rounds = { multi: [] as Round[], one: [] as Round[] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.multi.push(
        await measure(
          multi,
          async () => {
            for (let e = 0; e < EVENTS; e++) await publishAll(server.port, tenants, service);
          },
          'multi-tenant burst',
        ),
      );
      // The same deliveries to one organization: TENANTS * EVENTS / TENANTS publishes of n subscribers each.
      rounds.one.push(
        await measure(
          one,
          () => publishAll(server.port, Array<string>(EVENTS).fill(single), service),
          'single-organization burst',
        ),
      );
    }
    const disorder = (await multi.report()).disorder ?? 0;
    await multi.close();
    await one.close();

    out(
      `node ${process.version}; ${n} graphql-ws subscribers per shape, ${deliveries} deliveries per round, ${ROUNDS} rounds (medians)`,
    );
    out();
    out('| shape | publishes per round | server CPU µs per delivered message | p50 ms | p99 ms |');
    out('|---|---|---|---|---|');
    const row = (name: string, publishes: number, rs: Round[]) => {
      const lat = rs.flatMap((r) => r.latencies);
      out(
        `| ${name} | ${publishes} | ${median(rs.map((r) => r.cpuUsPerMsg)).toFixed(2)} | ${pct(lat, 0.5)} | ${pct(lat, 0.99)} |`,
      );
    };
    row(`${TENANTS} organizations × ${PER_TENANT} subscribers`, TENANTS * EVENTS, rounds.multi);
    row(`1 organization × ${n} subscribers`, EVENTS, rounds.one);
    out();
    out(`multi-tenant messages out of order: ${disorder}`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
