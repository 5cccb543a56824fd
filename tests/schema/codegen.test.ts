import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

describe('generated web client code', () => {
  it('is what graphql-codegen makes of web/schema.demo.graphql and web/src today (run `npm run codegen`)', async () => {
    const files = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f.filename, 'utf8'), f.filename).toBe(f.content);
  }, 60_000);
});
