import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freeClusterPort, freePort, launchOnFreePort } from '../support/free-port.js';

/**
 * The Redis processes tests start on their own must not fail when a port they were given is taken before they
 * bind it (CI lost a Cluster node to "Address already in use" once).
 */
describe('ports for Redis processes a test starts', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  /** A real redis-server on `port`; rejects with its output if it exits before it is ready. */
  const launchRedis = async (port: number) => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => proc.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('Ready to accept connections')) resolve();
      });
      proc.once('exit', () => reject(new Error(out)));
    });
  };

  it('are below the kernel’s ephemeral range and never the same twice; a cluster node’s bus port is below it too', async () => {
    const ports = await Promise.all(Array.from({ length: 30 }, () => freePort()));
    expect(new Set(ports).size).toBe(30);
    expect(ports.every((port) => port >= 20_000 && port < 32_768)).toBe(true);
    expect((await freeClusterPort()) + 10_000).toBeLessThan(32_768);
  });

  it('a redis-server whose port was taken in the meantime is started again on another one, and serves', async () => {
    const taken = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    const offered: number[] = [];
    const port = await launchOnFreePort(launchRedis, async () => {
      offered.push(offered.length === 0 ? taken : await freePort());
      return offered.at(-1)!;
    });
    expect(offered).toEqual([taken, port]);
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('any other failure to start is not retried', async () => {
    let launches = 0;
    await expect(
      launchOnFreePort(async () => {
        launches++;
        throw new Error('redis-server exited with 1: bad config');
      }),
    ).rejects.toThrow('bad config');
    expect(launches).toBe(1);
  });
});
