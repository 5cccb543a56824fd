import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Paths, not `new URL(relative, import.meta.url)`: in a DOM test environment URL is jsdom's.
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Extra arguments for node before the script, e.g. `--max-old-space-size=128` for a small heap. */
  nodeArgs?: string[];
}

/**
 * Runs the server as `npm start` does (the build in dist/, which `pretest` makes), in its own process;
 * resolves once it prints its URL.
 */
export async function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): Promise<ServerProcess> {
  const args = [...(options.nodeArgs ?? []), '--enable-source-maps', 'dist/server/main.js'];
  const { proc, stdout, stderr, exited } = run(args, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // nobody holds it yet: no process left behind by a failed start
      reject(new Error(`server did not start in 20 s:\n${stdout()}\n${stderr()}`));
    }, 20_000);
    const check = () => {
      const m = /GraphiQL\s+(http:\/\/\S+)\/graphql/.exec(stdout());
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code} before starting:\n${stderr()}`)));
  });
  return {
    proc,
    url,
    stdout,
    stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      proc.kill(signal);
      return exited;
    },
  };
}

/** Runs a node command in the project and collects its output. */
export function run(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += String(d)));
  proc.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}
