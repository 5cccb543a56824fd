import { createServer } from 'node:net';

/**
 * Ports for processes a test starts itself (redis-server, PostgreSQL, a server that must restart on the same port).
 *
 * They are picked below Linux's ephemeral range (32768–60999 by default). A port the kernel gave to `listen(0)`
 * and that was closed again can be handed out once more, to another worker's server or to any outgoing
 * connection, before the child process binds it: CI once lost a Redis Cluster node that way ("Address already
 * in use"). Below the range only other pickers like this one compete, and the ports one process handed out are
 * never handed out again by it. A child that still finds its port taken is restarted on another one
 * (`launchOnFreePort`).
 */
const FIRST = 20_000;
/** Redis Cluster's bus listens on port + 10000: cluster nodes come from below this, so their bus stays under 32768. */
const CLUSTER_LAST = 22_767;
const LAST = 29_999;

const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function pick(last: number, alsoFree: (port: number) => number[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (last - FIRST + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    const needed = [port, ...alsoFree(port)];
    if ((await Promise.all(needed.map(canListen))).every(Boolean)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${last} after 200 attempts`);
}

/** A port of 127.0.0.1 that was free a moment ago and that this process has not handed out before. */
export function freePort(): Promise<number> {
  return pick(LAST, () => []);
}

/** A port for a Redis Cluster node: it and its bus port (port + 10000) were free a moment ago. */
export function freeClusterPort(): Promise<number> {
  return pick(CLUSTER_LAST, (port) => [port + 10_000]);
}

/**
 * Starts a child on a fresh port from `choose`, again on another one if the child says its port is taken
 * (`launch` rejects with an error whose message includes "Address already in use"); at most 5 times.
 */
export async function launchOnFreePort(
  launch: (port: number) => Promise<void>,
  choose: () => Promise<number> = freePort,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await choose();
    try {
      await launch(port);
      return port;
    } catch (err) {
      if (attempt === 5 || !String((err as Error).message).includes('Address already in use')) throw err;
    }
  }
}
