import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL size past which the worker is asked to checkpoint (SQLite's own default is 1,000 pages, about 4 MiB). */
export const CHECKPOINT_AT_BYTES = 4 * 1024 * 1024;
/** How often, at most, a commit looks at the WAL's size (one `stat`). */
const LOOK_EVERY_MS = 50;
/** How long closing waits for a checkpoint under way before the worker is stopped. */
const CLOSE_WAIT_MS = 5_000;

/**
 * The checkpointer's thread: its own connection to the store's file, and a PASSIVE checkpoint whenever asked.
 * PASSIVE never waits for and never blocks the server's connection: it copies what it can and returns. Plain
 * CommonJS run with `eval`, so the same code works from the sources (tests) and from the build.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  }
});
`;

/**
 * Checkpoints the embedded store's WAL on a worker thread, so that copying pages into the database file and
 * syncing it never runs on the event loop. SQLite's automatic checkpoint runs inside the COMMIT that crosses its
 * threshold: under a mixed-organization ingest (a page per event) that was a fifth of the server's CPU, and each
 * one stalled every socket for its duration (docs/benchmarks.md).
 *
 * After each commit the server's thread looks at the WAL's size (at most every LOOK_EVERY_MS); past
 * CHECKPOINT_AT_BYTES it asks the worker, started then (a store that never grows its WAL never starts one). The
 * connection's own automatic checkpoint stays on at a higher threshold as a backstop: it is what keeps the WAL
 * bounded if the worker falls behind or fails, and under a steady write load it lets the WAL restart from the
 * beginning (a PASSIVE checkpoint never waits for the gap between two commits that a restart needs).
 */
export class WalCheckpointer {
  private worker?: Worker;
  /** Settles when the worker's thread has ended (closed, failed or stopped). */
  private exited: Promise<unknown> = Promise.resolve();
  private asked = false;
  private lastLook = 0;
  private failed = false;
  private checkpoints = 0;

  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  /** After a commit on the server's connection: cheap (a clock read) unless it is time to look. */
  afterCommit(now = Date.now()): void {
    if (this.asked || this.failed || now - this.lastLook < LOOK_EVERY_MS) return;
    this.lastLook = now;
    if (walSize(this.file) <= CHECKPOINT_AT_BYTES) return;
    this.asked = true;
    (this.worker ??= this.start()).postMessage('checkpoint');
  }

  /** Checkpoints the worker completed (tests). */
  get completed(): number {
    return this.checkpoints;
  }

  /** Closes the worker's connection and ends it (a checkpoint under way finishes first). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failed = true;
    if (!worker) return;
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), CLOSE_WAIT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    // A worker that cannot run or fails a checkpoint is told once and asked nothing more: checkpoints are left to
    // the connection's own backstop, and the store keeps working.
    worker.on('message', (r: { ok: boolean; error?: string }) => {
      this.asked = false;
      if (r.ok) this.checkpoints++;
      else {
        this.failed = true;
        this.onError(`WAL checkpoint failed, left to SQLite's own from now on: ${r.error}`);
      }
    });
    worker.on('error', (err) => {
      this.failed = true;
      this.onError(`WAL checkpointer stopped: ${err.message}; checkpoints are left to SQLite's own from now on`);
    });
    return worker;
  }
}

function walSize(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}
