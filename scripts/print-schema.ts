import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printSchema } from 'graphql';
import { CatalogError, type EventCatalog, defaultCatalog, loadCatalogFile } from '../server/catalog/catalog.js';
import { createSchema } from '../server/schema/index.js';

/**
 * `npm run schema` writes the committed schemas: schema.graphql (the built-in event types) and
 * web/schema.demo.graphql (the dashboard's demo catalog, what `npm run codegen` reads).
 * `npm run schema:check` fails when either is stale.
 * `npm run schema -- --catalog path/to/catalog.json [--out file]` prints a deployment's schema (stdout without
 * --out), for an app to run its codegen against.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const COMMITTED = [
  { file: 'schema.graphql', catalog: undefined },
  { file: 'web/schema.demo.graphql', catalog: 'web/catalog.demo.json' },
];

const { values } = parseArgs({
  options: { check: { type: 'boolean' }, catalog: { type: 'string' }, out: { type: 'string' } },
});

const printed = (catalog: EventCatalog) => `${printSchema(createSchema(catalog))}\n`;

function main(): number {
  if (values.catalog !== undefined) {
    const sdl = printed(loadCatalogFile(values.catalog));
    if (values.out) writeFileSync(values.out, sdl);
    else process.stdout.write(sdl);
    return 0;
  }
  let stale = 0;
  for (const { file, catalog } of COMMITTED) {
    const sdl = printed(catalog ? loadCatalogFile(join(root, catalog)) : defaultCatalog());
    if (!values.check) writeFileSync(join(root, file), sdl);
    else if (readOrEmpty(join(root, file)) !== sdl) {
      process.stderr.write(`${file} is stale: run \`npm run schema\` and commit it.\n`);
      stale++;
    }
  }
  return stale > 0 ? 1 : 0;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

try {
  process.exitCode = main();
} catch (err) {
  if (!(err instanceof CatalogError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
}
