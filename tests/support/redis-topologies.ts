import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freeClusterPort, launchOnFreePort } from './free-port.js';

/**
 * Redis topologies of a test's (or a benchmark's) own, on free ports of 127.0.0.1 (see free-port.ts): a Sentinel group and a
 * Cluster. `stop()` kills every process it started, whatever state they are in; call it in afterAll.
 * No vitest import: the benchmarks use these too.
 */
export interface OwnTopology {
  /** REDIS_URL for Switchboard: redis+sentinel://… or redis+cluster://… */
  url: string;
  /** PIDs of the Redis processes (the benchmark reads their CPU time). */
  pids(): number[];
  stop(): Promise<void>;
}

export interface OwnSentinel extends OwnTopology {
  name: string;
  /** SIGKILLs the current primary and resolves once the sentinels promoted the replica. */
  killPrimary(): Promise<{ killedPort: number; newPort: number }>;
  /** Subscribers of `channel` on the current primary. */
  subscribers(channel: string): Promise<number>;
}

export interface OwnCluster extends OwnTopology {
  /** SIGKILLs the primary owning `channel`'s slot; resolves once its replica took over and the cluster is ok. */
  killPrimaryOf(channel: string): Promise<{ killedPort: number; newPort: number }>;
  /** The primary's port owning `channel`'s slot, and the shard channels each primary has subscribers for. */
  shardChannels(): Promise<Map<number, string[]>>;
  /** Global (non-sharded) channels with subscribers, over every node. */
  globalChannels(): Promise<string[]>;
  /** Subscribers of shard channel `channel` on the primary that owns its slot now. */
  subscribers(channel: string): Promise<number>;
}

const run = promisify(execFile);
const MASTER = 'switchboard-test';

/** Processes of one topology, stopped together. */
class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchboard-redis-'));
  readonly byPort = new Map<number, ChildProcess>();

  async launch(port: number, args: string[], ready: string): Promise<void> {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.byPort.set(port, proc);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server :${port} did not start:\n${out}`)), 10_000);
      proc.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        if (this.byPort.get(port) === proc) this.byPort.delete(port);
        reject(new Error(`redis-server :${port} exited with ${code}:\n${out}`));
      });
    });
  }

  async kill(port: number): Promise<void> {
    const proc = this.byPort.get(port);
    if (!proc || !this.running(port)) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  /** A killed process has a null exit code and a signal code. */
  running(port: number): boolean {
    const proc = this.byPort.get(port);
    return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  }

  pids(): number[] {
    return [...this.byPort.entries()].filter(([port, p]) => this.running(port) && p.pid).map(([, p]) => p.pid!);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byPort.keys()].map((port) => this.kill(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `start`; if it throws, whatever it started is stopped before the error goes on. */
async function orStop<T>(processes: Processes, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await processes.stop();
    throw err;
  }
}

const base = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/** Asks one node, through a short-lived connection that never retries. */
async function ask(port: number, ...command: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(command[0]!, ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

/** Polls `check` every 100 ms until it holds; bounded. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const info = async (port: number, section: string) => String(await ask(port, 'INFO', section));

/** A primary, one replica and three sentinels (quorum 2) that notice a dead primary within a second. */
export async function startOwnSentinel(): Promise<OwnSentinel> {
  const p = new Processes();
  return orStop(p, async () => {
    // Each in its own directory: a replica writes the primary's snapshot to its --dir (else the cwd).
    const dirOf = (port: number) => {
      const dir = join(p.dir, String(port));
      mkdirSync(dir, { recursive: true });
      return ['--dir', dir];
    };
    const primary = await launchOnFreePort((port) =>
      p.launch(port, [...base(port), ...dirOf(port)], 'Ready to accept connections'),
    );
    const replica = await launchOnFreePort((port) =>
      p.launch(port, [...base(port), ...dirOf(port), '--replicaof', '127.0.0.1', String(primary)], 'Ready to accept'),
    );
    await until(async () => (await info(replica, 'replication')).includes('master_link_status:up'), 'the replica');
    const sentinels: number[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = await launchOnFreePort((port) => {
        const conf = join(p.dir, `sentinel-${port}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${p.dir}`,
            `sentinel monitor ${MASTER} 127.0.0.1 ${primary} 2`,
            `sentinel down-after-milliseconds ${MASTER} 1000`,
            `sentinel failover-timeout ${MASTER} 5000`,
            '',
          ].join('\n'),
        );
        return p.launch(port, [conf, '--sentinel'], '+monitor master');
      });
      sentinels.push(sentinel);
    }
    // A failover needs the sentinels to know each other (quorum, election) and the replica (to promote it).
    for (const port of sentinels) {
      await until(async () => {
        const peers = (await ask(port, 'SENTINEL', 'SENTINELS', MASTER)) as unknown[];
        const replicas = (await ask(port, 'SENTINEL', 'REPLICAS', MASTER)) as unknown[];
        return peers.length === 2 && replicas.length === 1;
      }, `sentinel :${port} to discover its peers and the replica`);
    }
    const primaryPort = async () =>
      Number(((await ask(sentinels[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as string[])[1]);
    return {
      name: MASTER,
      url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s}`).join(',')}/${MASTER}`,
      pids: () => p.pids(),
      stop: () => p.stop(),
      async killPrimary() {
        const killedPort = await primaryPort();
        await p.kill(killedPort);
        let newPort = killedPort;
        await until(
          async () => {
            newPort = await primaryPort();
            return newPort !== killedPort && (await info(newPort, 'replication')).includes('role:master');
          },
          'the sentinels to promote the replica',
          30_000,
        );
        return { killedPort, newPort };
      },
      async subscribers(channel) {
        return Number(((await ask(await primaryPort(), 'PUBSUB', 'NUMSUB', channel)) as [string, number])[1]);
      },
    };
  });
}

/** Three primaries with a replica each; a node is judged failed after one second. */
export async function startOwnCluster(): Promise<OwnCluster> {
  const p = new Processes();
  return orStop(p, async () => {
    const ports = await Promise.all(
      Array.from({ length: 6 }, () =>
        launchOnFreePort((port) => {
          const dir = join(p.dir, String(port));
          mkdirSync(dir, { recursive: true });
          return p.launch(
            port,
            [
              ...base(port),
              '--dir',
              dir,
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              '1000',
            ],
            'Ready to accept connections',
          );
        }, freeClusterPort),
      ),
    );
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 30_000 },
    );
    const alive = () => ports.filter((port) => p.running(port));
    const clusterOk = async () => {
      for (const port of alive()) {
        if (!String(await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        const replication = await info(port, 'replication');
        if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
      }
      return true;
    };
    await until(clusterOk, 'the cluster to be ok, every replica in sync');
    /** The primary's port serving `slot`, as `port`'s node sees the cluster. */
    const ownerOf = async (slot: number, port: number) => {
      const ranges = (await ask(port, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      return range ? Number(range[2][1]) : undefined;
    };
    const ownerOfChannel = async (channel: string) =>
      ownerOf(Number(await ask(alive()[0]!, 'CLUSTER', 'KEYSLOT', channel)), alive()[0]!);
    const primaries = async () => {
      const text = String(await ask(alive()[0]!, 'CLUSTER', 'NODES'));
      return text
        .split('\n')
        .filter((line) => / master /.test(line.replace(/,/g, ' ')) && !line.includes('fail'))
        .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
    };
    return {
      url: `redis+cluster://${ports
        .slice(0, 3)
        .map((port) => `127.0.0.1:${port}`)
        .join(',')}`,
      pids: () => p.pids(),
      stop: () => p.stop(),
      async killPrimaryOf(channel) {
        const killedPort = (await ownerOfChannel(channel))!;
        const slot = Number(await ask(alive()[0]!, 'CLUSTER', 'KEYSLOT', channel));
        await p.kill(killedPort);
        let newPort: number | undefined = killedPort;
        await until(
          async () => {
            for (const port of alive()) {
              newPort = await ownerOf(slot, port);
              if (newPort === killedPort || newPort === undefined) return false;
            }
            return clusterOk();
          },
          'a replica to take over the slot',
          30_000,
        );
        return { killedPort, newPort: newPort! };
      },
      async shardChannels() {
        const result = new Map<number, string[]>();
        for (const port of await primaries())
          result.set(port, ((await ask(port, 'PUBSUB', 'SHARDCHANNELS')) as string[]).sort());
        return result;
      },
      async subscribers(channel) {
        const owner = await ownerOfChannel(channel);
        if (owner === undefined) return 0;
        return Number(((await ask(owner, 'PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1]);
      },
      async globalChannels() {
        const all = await Promise.all(alive().map(async (port) => (await ask(port, 'PUBSUB', 'CHANNELS')) as string[]));
        return all.flat();
      },
    };
  });
}
