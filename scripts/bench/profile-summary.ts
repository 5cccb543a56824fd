/**
 * Where the time goes in a V8 CPU profile (BENCH_PROFILE writes them): the top functions by self time and
 * the shares by module (a package, a folder of dist/server, Node's internals, GC, idle).
 *
 * Usage: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top = 15]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

/** The module a frame belongs to: a package, a folder of the server, or V8's pseudo-frames. */
function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const server = /dist\/server\/(?:([^/]+)\/)?/.exec(url);
  if (server) return `server/${server[1] ?? ''}`;
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const busy = total - (byName('(idle)') ?? 0);
function byName(name: string): number | undefined {
  let t = 0;
  for (const [id, us] of self) if (byId.get(id)?.callFrame.functionName === name) t += us;
  return t;
}
const fns = new Map<string, number>();
const mods = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') continue;
  const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const mod = moduleOf(url, functionName);
  mods.set(mod, (mods.get(mod) ?? 0) + us);
}
const share = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
process.stdout.write(`${file}: ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms\n`);
process.stdout.write('self time, top functions:\n');
for (const [k, us] of top(fns, Number(topArg ?? 15))) process.stdout.write(`  ${share(us).padStart(7)}  ${k}\n`);
process.stdout.write('by module:\n');
for (const [k, us] of top(mods, 12)) process.stdout.write(`  ${share(us).padStart(7)}  ${k}\n`);
