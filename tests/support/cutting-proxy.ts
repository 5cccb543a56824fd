import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a server that can drop every connection at once (a network outage, a load balancer
 * restart) and send the next ones elsewhere (another instance).
 */
export async function startCuttingProxy(target: string) {
  let upstream = new URL(target);
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const remote = connect(Number(upstream.port), upstream.hostname);
    for (const s of [client, remote]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(remote).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    /** Drops every open connection, without a close handshake. */
    cut() {
      for (const s of open) s.destroy();
    },
    /** Where new connections go from now on. */
    retarget(url: string) {
      upstream = new URL(url);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
