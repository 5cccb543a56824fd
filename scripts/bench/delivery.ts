/**
 * `npm run bench:delivery`: replay throughput to one resuming subscriber and the extra latency of a gap fill,
 * measured end to end over graphql-ws on 127.0.0.1 against the embedded store and, with BENCH_POSTGRES=1,
 * a PostgreSQL database created for the run and dropped after it (server at BENCH_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres). Prints medians of several rounds; bounded in count and time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../../server/app.js';
import { signToken } from '../../server/auth/tokens.js';
import { loadConfig } from '../../server/config.js';
import { publishEvent } from '../../server/domain/events.js';
import { encodeCursor } from '../../server/realtime/cursor.js';
import { appendEvent, insertOrganization, putMembership } from '../../server/store/repository.js';
import { SECRET, median, pct, runBench, withBenchDatabase } from './harness.js';

const REPLAY_EVENTS = 10_000;
const ROUNDS = 5;
const GAP_SAMPLES = 200;

async function main() {
  console.log(`node ${process.version}, ${cpus().length} cores\n`);
  await benchStore('sqlite (embedded)', undefined);
  if (process.env.BENCH_POSTGRES === '1') await withBenchDatabase((url) => benchStore('postgresql', url));
}

async function benchStore(name: string, databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
  });
  const app = await createApp(config);
  const url = (await app.start()).replace('http', 'ws') + '/graphql';
  const token = await signToken(SECRET, { sub: 'bench' });
  const viewer = { userId: 'bench', name: null, isService: true }; // a service: exempt from the per-user publish rate
  const actor = { id: 'bench', name: null, isService: false };
  const { db } = app.services.store;
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
  });

  // Replay: 10,000 stored events, one subscriber resuming from before the first.
  const org = await insertOrganization(db, 'bench');
  await putMembership(db, org.id, 'bench', 'OWNER');
  await app.services.store.transaction(async (tx) => {
    for (let i = 0; i < REPLAY_EVENTS; i++)
      await appendEvent(tx, {
        orgId: org.id,
        channel: 'property',
        type: 'property.update',
        subjectId: `p-${i % 50}`,
        payload: { i, price: 400_000 + i },
        actor,
      });
  });
  const replayMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      const stop = client.subscribe(
        {
          query:
            'subscription($o: ID!, $a: String) { events(orgId: $o, after: $a) { cursor sequence type subjectId payload } }',
          variables: { o: org.id, a: encodeCursor(org.id, 0) },
        },
        {
          next: () => {
            if (++n === REPLAY_EVENTS) {
              stop();
              resolve();
            }
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    replayMs.push(performance.now() - started);
  }

  // Gap fill: latency of an event that follows a hole (its predecessor reached the log but not pub/sub),
  // against the latency of ordinary events, publish (after commit) to receipt.
  const gapOrg = await insertOrganization(db, 'gaps');
  await putMembership(db, gapOrg.id, 'bench', 'OWNER');
  const arrived = new Map<number, number>();
  let onArrive: (() => void) | undefined;
  const stop = client.subscribe(
    { query: 'subscription($o: ID!) { events(orgId: $o) { sequence } }', variables: { o: gapOrg.id } },
    {
      next: (r) => (arrived.set((r.data as any).events.sequence, performance.now()), onArrive?.()),
      error: console.error,
      complete: () => {},
    },
  );
  // graphql-ws has no "subscribed" acknowledgement: publish probes until one arrives.
  for (let probe = 0; arrived.size === 0 && probe < 200; probe++) {
    await publishEvent(app.services, viewer, { orgId: gapOrg.id, channel: 'system', type: 'data.sync' });
    await new Promise((r) => setTimeout(r, 10));
  }
  const measure = async (withHole: boolean) => {
    if (withHole)
      await app.services.store.transaction((tx) =>
        appendEvent(tx, {
          orgId: gapOrg.id,
          channel: 'system',
          type: 'data.sync',
          subjectId: null,
          payload: null,
          actor,
        }),
      );
    const published = performance.now();
    const e = await publishEvent(app.services, viewer, {
      orgId: gapOrg.id,
      channel: 'property',
      type: 'property.update',
    });
    while (!arrived.has(e.seq)) await new Promise<void>((resolve) => (onArrive = resolve));
    return arrived.get(e.seq)! - published;
  };
  const plain: number[] = [];
  const filled: number[] = [];
  for (let i = 0; i < GAP_SAMPLES; i++) {
    plain.push(await measure(false));
    filled.push(await measure(true));
  }
  stop();
  await client.dispose();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const perSecond = replayMs.map((ms) => REPLAY_EVENTS / (ms / 1000));
  console.log(`## ${name}`);
  console.log(`replay of ${REPLAY_EVENTS} stored events to one graphql-ws subscriber (${ROUNDS} rounds)`);
  console.log(
    `  median ${median(replayMs).toFixed(0)} ms = ${median(perSecond).toFixed(0)} events/s (min ${Math.min(...replayMs).toFixed(0)} ms, max ${Math.max(...replayMs).toFixed(0)} ms)`,
  );
  console.log(`delivery latency, publish to receipt (${GAP_SAMPLES} samples each)`);
  console.log(`  ordinary event        p50 ${median(plain).toFixed(2)} ms   p95 ${pct(plain, 0.95).toFixed(2)} ms`);
  console.log(`  event after a hole    p50 ${median(filled).toFixed(2)} ms   p95 ${pct(filled, 0.95).toFixed(2)} ms`);
  console.log(`  extra cost of a gap fill: p50 ${(median(filled) - median(plain)).toFixed(2)} ms\n`);
}

runBench('delivery bench', 300_000, main);
