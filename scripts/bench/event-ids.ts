/**
 * `npm run bench` (event ids): the cost of an event insert on the embedded store with random ids against
 * time-ordered ones (server/store/ids.ts), on the real schema (migrated by the store, then written directly with
 * one prepared statement, as the append does). ROWS events over 1,000 organizations, round robin (each event
 * another organization's), in commits of 1,000; rounds interleaved, medians of µs per row (wall and CPU).
 *
 * Env: BENCH_ROWS (200000), BENCH_ROUNDS (3).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { newId } from '../../server/store/ids.js';
import { createStore } from '../../server/store/store.js';
import { median, runBench } from './harness.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ORGS = 1_000;
const COMMIT = 1_000;
const out = (line = '') => process.stdout.write(`${line}\n`);

const ID_STYLES = {
  'random (v4 UUID)': () => `evt_${randomUUID().replaceAll('-', '')}`,
  'time-ordered (newId)': () => newId('evt'),
} as const;

async function insertRows(makeId: () => string): Promise<{ wallUs: number; cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-ids-'));
  try {
    await (await createStore({ dataDir: dir })).close();
    const db = new SQLite(join(dir, 'switchboard.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const orgs = Array.from({ length: ORGS }, () => newId('org'));
    const addOrg = db.prepare('insert into organizations (id, name, created_at) values (?, ?, ?)');
    db.transaction(() => orgs.forEach((id) => addOrg.run(id, 'bench', Date.now())))();
    const insert = db.prepare(
      'insert into events (org_id, seq, id, channel, type, subject_id, payload, actor_id, actor_name, actor_is_service, occurred_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const seqs = new Array<number>(ORGS).fill(0);
    const commit = db.transaction((from: number) => {
      for (let i = from; i < from + COMMIT; i++) {
        const o = i % ORGS;
        seqs[o] = (seqs[o] as number) + 1;
        const payload = JSON.stringify({ price: 1000 + i, title: 'A house by the lake' });
        insert.run(
          orgs[o],
          seqs[o],
          makeId(),
          'property',
          'property.update',
          'p-1',
          payload,
          'backend',
          null,
          1,
          Date.now(),
        );
      }
    });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let from = 0; from < ROWS; from += COMMIT) commit(from);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000 / ROWS;
    const cpu = process.cpuUsage(cpu0);
    db.close();
    return { wallUs, cpuUs: (cpu.user + cpu.system) / ROWS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('event-ids', 10 * 60_000, async () => {
  const results = new Map<string, Array<{ wallUs: number; cpuUs: number }>>();
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, makeId] of Object.entries(ID_STYLES)) {
      const list = results.get(name) ?? [];
      list.push(await insertRows(makeId));
      results.set(name, list);
    }
  out(
    `node ${process.version}; ${ROWS} event inserts over ${ORGS} organizations (round robin), commits of ${COMMIT}, ${ROUNDS} rounds (medians)`,
  );
  out();
  out('| event ids | µs per insert (wall) | CPU µs per insert | CPU vs random |');
  out('|---|---|---|---|');
  const base = median((results.get('random (v4 UUID)') ?? []).map((r) => r.cpuUs));
  for (const [name, list] of results) {
    const cpu = median(list.map((r) => r.cpuUs));
    out(
      `| ${name} | ${median(list.map((r) => r.wallUs)).toFixed(1)} | ${cpu.toFixed(1)} | ${((cpu / base) * 100).toFixed(0)} % |`,
    );
  }
});
