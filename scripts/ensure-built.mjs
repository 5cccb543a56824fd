// `npm start` runs this first: it builds the server (tsc into dist/) and the dashboard (web/dist) only when
// their sources are newer than the last build, so an unchanged checkout starts in well under a second.
// Plain JavaScript on purpose: it must run where only production dependencies are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** The newest modification time among files under `paths` (0 when none exist). */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const p of paths) visit(join(root, p));
  return latest;
}

const builtAt = (file) => (existsSync(join(root, file)) ? statSync(join(root, file)).mtimeMs : -1);

const targets = [
  {
    name: 'server',
    script: 'build',
    output: 'dist/server/main.js',
    sources: ['server', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
  },
  {
    name: 'dashboard',
    script: 'build:web',
    output: 'web/dist/index.html',
    sources: ['web/src', 'web/index.html', 'web/vite.config.ts', 'package-lock.json'],
  },
];

for (const t of targets) {
  const at = builtAt(t.output);
  if (at >= newest(t.sources)) continue;
  if (!existsSync(join(root, 'node_modules', 'typescript'))) {
    if (at >= 0) continue; // a production install of a built tree: serve what was built
    process.stderr.write(
      `The ${t.name} is not built and this install has no build tools: run \`npm ci\` and \`npm run ${t.script}\`.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`Building the ${t.name} (its sources changed since the last build)...\n`);
  const run = spawnSync('npm', ['run', '--silent', t.script], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
