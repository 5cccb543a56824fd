import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gqlOk } from '../support/http.js';
import { run, spawnServer } from '../support/process.js';

// What an operator does with EVENTS_CATALOG and `npm run schema -- --catalog`, on the built server.
describe('an operator’s event catalog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-catalog-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, catalog: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof catalog === 'string' ? catalog : JSON.stringify(catalog, null, 2));
    return path;
  };
  const good = write('good.json', {
    types: {
      'invoice.paid': {
        description: 'An invoice was paid.',
        payload: {
          type: 'object',
          required: ['amount'],
          properties: { amount: { type: 'integer', minimum: 0 }, currency: { enum: ['EUR', 'USD'] } },
        },
      },
    },
  });

  it('stops the server at start with every problem listed, beside the other configuration problems', async () => {
    const bad = write('bad.json', {
      types: {
        'notification.sent': { payload: { type: 'object' } },
        'invoice.paid': {
          payload: {
            type: 'object',
            properties: { 'due-date': { type: 'string', format: 'date' }, amount: { anyOf: [] } },
          },
        },
      },
    });
    const p = run(['--enable-source-maps', 'dist/server/main.js'], {
      DATA_DIR: join(dir, 'data'),
      EVENTS_CATALOG: bad,
      PORT: 'x',
    });
    expect(await p.exited).toBe(1);
    const at = `EVENTS_CATALOG (${bad})`;
    expect(p.stderr()).toBe(
      [
        'Invalid configuration:',
        '  - PORT: Invalid input: expected number, received NaN',
        `  - ${at}: types["notification.sent"]: written by the server itself; its payload is built in and cannot be redefined`,
        `  - ${at}: types["invoice.paid"].payload.properties.due-date: "due-date" is not a GraphQL field name (letters, digits and _, not starting with a digit or __)`,
        `  - ${at}: types["invoice.paid"].payload.properties.amount: "anyOf" is not supported in catalog payloads (alternatives have no GraphQL type: declare one shape, or leave "type" out for any JSON)`,
        '',
      ].join('\n'),
    );
    expect(p.stdout()).toBe('');
  });

  it('stops the server when the file is missing or not JSON', async () => {
    for (const [path, problem] of [
      [join(dir, 'missing.json'), 'cannot read the file: ENOENT'],
      [write('broken.json', '{ "types": { "a.b": '), 'not valid JSON: Unexpected end of JSON input'],
    ] as const) {
      const p = run(['dist/server/main.js'], { DATA_DIR: join(dir, 'data'), EVENTS_CATALOG: path });
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(`EVENTS_CATALOG (${path}): ${problem}`);
    }
  });

  it('serves the catalog’s types when it loads', async () => {
    const server = await spawnServer({ DATA_DIR: join(dir, 'served'), EVENTS_CATALOG: good });
    try {
      const data = await gqlOk(`${server.url}/graphql`, '{ __type(name: "InvoicePaidPayload") { fields { name } } }');
      expect(data.__type.fields.map((f: { name: string }) => f.name)).toEqual(['amount', 'currency']);
    } finally {
      await server.stop();
    }
  });

  it('`npm run schema -- --catalog` prints that deployment’s schema, to stdout or --out', async () => {
    const printed = run(['--import', 'tsx', 'scripts/print-schema.ts', '--catalog', good], {});
    expect(await printed.exited).toBe(0);
    expect(printed.stdout()).toContain(
      '"""The payload of `invoice.paid` events: An invoice was paid."""\ntype InvoicePaidPayload {\n  amount: SafeInt!\n  currency: InvoicePaidPayloadCurrency\n}',
    );
    expect(printed.stdout()).toMatch(/union EventData = .*InvoicePaidPayload/);

    const out = join(dir, 'schema.graphql');
    const written = run(['--import', 'tsx', 'scripts/print-schema.ts', '--catalog', good, '--out', out], {});
    expect(await written.exited).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout());

    const refused = run(['--import', 'tsx', 'scripts/print-schema.ts', '--catalog', write('x.json', '[]')], {});
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toBe(
      'Invalid event catalog:\n  - must be an object with "types": { "<event type>": { "description": "…", "payload": { … } } }\n',
    );
  });
});
