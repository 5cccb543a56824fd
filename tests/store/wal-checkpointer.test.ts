import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_AT_BYTES, WalCheckpointer } from '../../server/store/wal-checkpointer.js';
import { appendToLogs } from '../../server/store/log-append.js';
import { insertOrganization } from '../../server/store/repository.js';
import { createStore } from '../../server/store/store.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wal-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A WAL database with no automatic checkpoint of its own: only the checkpointer copies pages back. */
function walDatabase(dir: string) {
  const file = join(dir, 'db.sqlite');
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${CHECKPOINT_AT_BYTES}`);
  db.exec('create table t (id integer primary key, body text not null)');
  return { file, db, insert: db.prepare('insert into t (body) values (?)') };
}

const walBytes = (file: string) => statSync(`${file}-wal`).size;

describe('WAL checkpointer', () => {
  it('checkpoints on its own thread once the WAL passes its threshold, and the WAL then starts over', async () => {
    const { file, db, insert } = walDatabase(tempDir());
    const checkpointer = new WalCheckpointer(file);
    try {
      const body = 'x'.repeat(3_000);
      let commits = 0;
      while (walBytes(file) <= CHECKPOINT_AT_BYTES) {
        db.transaction(() => {
          for (let i = 0; i < 20; i++) insert.run(body);
        })();
        commits++;
        checkpointer.afterCommit(commits * 1_000);
      }
      expect(checkpointer.completed).toBe(0);
      checkpointer.afterCommit((commits + 1) * 1_000);
      await vi.waitFor(() => expect(checkpointer.completed).toBe(1));
      // Everything was copied back: the next write restarts the WAL, cut back to the size limit.
      insert.run('after');
      expect(walBytes(file)).toBeLessThanOrEqual(CHECKPOINT_AT_BYTES);
      expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: commits * 20 + 1 });
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('does nothing while the WAL is small: no thread is started', () => {
    const { file, db, insert } = walDatabase(tempDir());
    const checkpointer = new WalCheckpointer(file);
    insert.run('small');
    checkpointer.afterCommit(1_000);
    checkpointer.afterCommit(2_000);
    expect(checkpointer.completed).toBe(0);
    expect((checkpointer as unknown as { worker?: unknown }).worker).toBeUndefined();
    db.close();
  });

  it('reports a checkpointer that cannot run, asks it nothing more, and the database keeps working', async () => {
    const { db, insert } = walDatabase(tempDir());
    const errors: string[] = [];
    // What the worker is given to open is a directory, with a large WAL beside it: it cannot start.
    const broken = join(tempDir(), 'store');
    mkdirSync(broken);
    writeFileSync(`${broken}-wal`, Buffer.alloc(CHECKPOINT_AT_BYTES + 4_096));
    const checkpointer = new WalCheckpointer(broken, (m) => errors.push(m));
    try {
      checkpointer.afterCommit(1_000);
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(errors[0]).toMatch(/^WAL checkpointer stopped: .+/);
      checkpointer.afterCommit(2_000);
      insert.run('still writes');
      expect(db.prepare('select body from t').get()).toEqual({ body: 'still writes' });
      expect(errors).toHaveLength(1);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });
});

describe('embedded store and its WAL', () => {
  it('keeps the WAL bounded under a write load spread over many organizations, losing nothing', async () => {
    const dataDir = tempDir();
    const store = await createStore({ dataDir });
    try {
      const orgs: Array<{ id: string }> = [];
      for (let i = 0; i < 200; i++) orgs.push(await insertOrganization(store.db, `Org ${i}`));
      const wal = join(dataDir, 'switchboard.sqlite-wal');
      let largest = 0;
      const payload = { text: 'y'.repeat(1_500) };
      for (let round = 0; round < 60; round++) {
        await store.transaction((tx) =>
          appendToLogs(
            tx,
            orgs.map((o) => ({
              orgId: o.id,
              inputs: [
                {
                  orgId: o.id,
                  channel: 'property',
                  type: 'property.update',
                  subjectId: null,
                  payload,
                  actor: { id: 'svc', name: null, isService: true },
                },
              ],
            })),
          ),
        );
        largest = Math.max(largest, statSync(wal).size);
      }
      // 60 commits of 200 events, about 25 MiB of WAL written: the backstop (16 MiB) and the checkpointer bound it.
      expect(largest).toBeLessThan(24 * 1024 * 1024);
      const { n } = (await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()) as { n: number };
      expect(Number(n)).toBe(60 * 200);
    } finally {
      await store.close();
    }
  });

  it('refuses a second process on the same data directory while the first holds it', async () => {
    const dataDir = tempDir();
    const store = await createStore({ dataDir });
    try {
      const probe = `
        const SQLite = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
        const lock = new SQLite(${JSON.stringify(join(dataDir, 'switchboard.lock'))});
        lock.pragma('busy_timeout = 0');
        try { lock.exec('BEGIN IMMEDIATE; COMMIT;'); console.log('acquired'); } catch (e) { console.log(e.code); }
      `;
      expect(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).trim()).toBe('SQLITE_BUSY');
    } finally {
      await store.close();
    }
    const again = await createStore({ dataDir });
    await again.close();
  });

  it('refuses a store file that is not a database, clearly, and leaves the data directory free', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'switchboard.sqlite');
    writeFileSync(file, Buffer.alloc(8_192, 7));
    await expect(createStore({ dataDir })).rejects.toThrow(/file is not a database/);
    await expect(createStore({ dataDir })).rejects.toThrow(`The embedded store ${file} cannot be opened`);
    rmSync(file);
    const store = await createStore({ dataDir });
    await store.close();
  });
});
