import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../server/schema/index.js';

/** `npm run schema` writes schema.graphql; `npm run schema:check` fails when the committed file is stale. */
const file = new URL('../schema.graphql', import.meta.url);
const printed = `${printSchema(schema)}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== printed) {
    process.stderr.write('schema.graphql is stale: run `npm run schema` and commit it.\n');
    process.exitCode = 1;
  }
} else {
  writeFileSync(file, printed);
}
