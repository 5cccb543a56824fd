import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gqlOk } from '../support/http.js';
import { ROOT } from '../support/process.js';
import { TEST_SECRET, token } from '../support/server.js';

/**
 * What `npm ci --omit=dev` installs, without the network: the production dependency tree npm itself lists
 * (`npm ls --omit=dev`), hard-linked into an empty folder beside the built server. If the server imports a
 * package that is only a devDependency, it does not start there.
 */
function productionTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-prod-'));
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((p) => p.includes(`${ROOT}/node_modules/`));
  const packages = listed.filter((p) => !listed.some((other) => other !== p && p.startsWith(`${other}/`)));
  for (const path of packages) {
    const target = join(dir, relative(ROOT, path));
    mkdirSync(dirname(target), { recursive: true });
    execFileSync('cp', ['-al', path, target]);
  }
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return dir;
}

describe('a production install of the built tree', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('lists exactly the packages the server imports at run time as dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const sources = execFileSync('grep', ['-rhoE', "from '[^.][^']*'", join(ROOT, 'server')], { encoding: 'utf8' });
    const imported = new Set(
      [...sources.matchAll(/from '([^']+)'/g)]
        .map((m) => m[1]!)
        .filter((name) => !name.startsWith('node:'))
        .map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!)),
    );
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...imported].sort());
  });

  it('starts with production dependencies only, and serves', async () => {
    const dir = productionTree();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-prod-data-'));
    dirs.push(dir, dataDir);
    const env = {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: TEST_SECRET,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    const proc = spawn(process.execPath, ['dist/server/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += String(d)));
    proc.stderr.on('data', (d) => (err += String(d)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        proc.stdout.on('data', () => {
          const m = /GraphiQL\s+(http:\/\/\S+)\/graphql/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        proc.once('exit', (code) => reject(new Error(`exited with ${code}:\n${err}`)));
      });
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const data = await gqlOk(
        `${url}/graphql`,
        'mutation { createOrganization(name: "Prod") { id name } }',
        {},
        await token('alice'),
      );
      expect(data.createOrganization.name).toBe('Prod');
    } finally {
      proc.kill('SIGTERM');
    }
  }, 60_000);
});
