import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, spawnServer } from './process.js';
import { TEST_SECRET } from './server.js';

export interface HeapLimitedServer extends ServerProcess {
  graphqlUrl: string;
  /** True while the process runs (it has not died of a full heap). */
  alive(): boolean;
  dispose(): Promise<void>;
}

/**
 * The built server in a child process with a small V8 heap: a memory bound that is missing shows up as the
 * process dying ("Reached heap limit"), which fails the test, instead of as a number nobody checks.
 */
export async function startHeapLimited(heapMb: number, env: Record<string, string> = {}): Promise<HeapLimitedServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-heap-'));
  const server = await spawnServer(
    { NODE_ENV: 'test', AUTH_JWT_SECRET: TEST_SECRET, DATA_DIR: dataDir, ...env },
    { nodeArgs: [`--max-old-space-size=${heapMb}`] },
  );
  let running = true;
  void server.exited.then(() => (running = false));
  return {
    ...server,
    graphqlUrl: `${server.url}/graphql`,
    alive: () => running,
    async dispose() {
      if (running) await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `task` for each of `count` items, at most `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
