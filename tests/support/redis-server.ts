import { type ChildProcess, spawn } from 'node:child_process';
import { launchOnFreePort } from './free-port.js';

/** A redis-server of the test's own, on a free port, that it can kill and bring back on the same port. */
export interface OwnRedis {
  url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The running server's PID, if it runs (the benchmarks read its CPU time). */
  pids(): number[];
}

export async function startOwnRedis(): Promise<OwnRedis> {
  let port = 0;
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      proc!.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out}`)));
    });
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  };
  port = await launchOnFreePort(async (candidate) => {
    port = candidate;
    await launch();
  });
  const pids = () => (proc?.pid && proc.exitCode === null && proc.signalCode === null ? [proc.pid] : []);
  return { url: `redis://127.0.0.1:${port}`, kill, restart: launch, stop: kill, pids };
}
