import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CatalogError,
  type EventCatalog,
  createCatalog,
  defaultCatalog,
  loadCatalogFile,
} from '../../server/catalog/catalog.js';
import { ConfigError, loadConfig } from '../../server/config.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (err) {
    if (err instanceof CatalogError || err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the catalog to be refused');
}

const check = (catalog: EventCatalog, type: string, payload: unknown) => catalog.types.get(type)!.check(payload);

describe('the built-in event types', () => {
  const catalog = defaultCatalog();

  it('accept the payloads the server writes (domain/organizations.ts, notifications.ts, demo.ts)', () => {
    const member = { userId: 'bob', role: 'MEMBER' };
    expect(check(catalog, 'member.join', { member })).toEqual([]);
    expect(check(catalog, 'member.leave', { member })).toEqual([]);
    expect(check(catalog, 'member.update', { member: { ...member, previousRole: 'ADMIN' } })).toEqual([]);
    expect(check(catalog, 'organization.change', { organization: { id: 'org_1', name: 'Acme' } })).toEqual([]);
    expect(check(catalog, 'notification.new', { title: 'Hi', body: null, data: null })).toEqual([]);
    expect(check(catalog, 'notification.new', { title: 'Hi', body: 'there', data: { deep: [1] } })).toEqual([]);
    expect(check(catalog, 'system.alert', { message: 'Welcome' })).toEqual([]);
  });

  it('keep the app-facing ones permissive: any object, or none', () => {
    for (const type of ['property.update', 'user.activity', 'system.alert', 'data.sync']) {
      expect(check(catalog, type, null), type).toEqual([]);
      expect(check(catalog, type, { anything: [1, { nested: true }] }), type).toEqual([]);
    }
    expect(check(catalog, 'property.update', 'text')).toEqual([{ path: 'payload', message: 'must be object or null' }]);
  });

  it('make GraphQL payload types, except for free objects', () => {
    const roots = Object.fromEntries([...catalog.types.values()].map((t) => [t.name, t.graphqlType]));
    expect(roots).toEqual({
      'member.join': 'MemberJoinPayload',
      'member.leave': 'MemberLeavePayload',
      'member.update': 'MemberUpdatePayload',
      'member.access_revoked': 'MemberAccessRevokedPayload',
      'organization.change': 'OrganizationChangePayload',
      'organization.rule': 'OrganizationRulePayload',
      'notification.new': 'NotificationNewPayload',
      'property.update': 'PropertyUpdatePayload',
      'user.activity': undefined,
      'system.alert': 'SystemAlertPayload',
      'data.sync': undefined,
    });
    // One MembershipChange and one MemberRole serve the three member.* types (a shared "title").
    expect(catalog.graphqlTypes.filter((t) => t.name === 'MemberRole')).toHaveLength(1);
  });
});

describe('a published payload against its declaration', () => {
  const catalog = createCatalog({
    types: {
      'listing.changed': {
        payload: {
          type: 'object',
          required: ['price', 'address'],
          additionalProperties: false,
          properties: {
            price: { type: 'number' },
            status: { enum: ['listed', 'sold'] },
            address: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } },
            tags: { type: 'array', items: { type: 'string' } },
            rooms: { type: 'integer' },
          },
        },
      },
    },
  });

  it('names each field and what it must be', () => {
    expect(check(catalog, 'listing.changed', { price: '1', address: { city: 'Oslo' } })).toEqual([
      { path: 'payload.price', message: 'must be number' },
    ]);
    expect(
      check(catalog, 'listing.changed', {
        price: 1,
        status: 'gone',
        address: { city: 7 },
        tags: ['a', 2],
        rooms: 2 ** 60,
        colour: 'red',
      }),
    ).toEqual([
      { path: 'payload.colour', message: 'is not a declared field (declared: price, status, address, tags, rooms)' },
      { path: 'payload.status', message: 'must be one of "listed", "sold"' },
      { path: 'payload.address.city', message: 'must be string' },
      { path: 'payload.tags[1]', message: 'must be string' },
      { path: 'payload.rooms', message: 'must be <= 9007199254740991' },
    ]);
    expect(check(catalog, 'listing.changed', { address: {} })).toEqual([
      { path: 'payload.price', message: 'is required (number)' },
      { path: 'payload.address.city', message: 'is required (string)' },
    ]);
    expect(check(catalog, 'listing.changed', null)).toEqual([{ path: 'payload', message: 'must be object' }]);
    expect(check(catalog, 'listing.changed', { price: 0, address: { city: 'Oslo' }, rooms: 3 })).toEqual([]);
  });
});

describe('the GraphQL types a catalog makes', () => {
  it('follow the mapping rules', () => {
    const catalog = createCatalog({
      types: {
        'shape.all': {
          payload: {
            type: 'object',
            required: ['s', 'n', 'i', 'b', 'list', 'objs', 'e'],
            properties: {
              s: { type: 'string' },
              n: { type: 'number' },
              i: { type: 'integer' },
              b: { type: 'boolean' },
              maybe: { type: ['string', 'null'] },
              list: { type: 'array', items: { type: 'string' } },
              objs: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } } } },
              e: { enum: ['a_b', 'c'] },
              odd: { enum: ['two words', 'x'] },
              any: {},
              free: { type: 'object' },
              grid: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
              place: { title: 'Place', type: 'object', properties: { city: { type: 'string' } } },
            },
          },
        },
      },
    });
    const byName = Object.fromEntries(catalog.graphqlTypes.map((t) => [t.name, t]));
    const root = byName.ShapeAllPayload;
    if (root?.kind !== 'object') throw new Error('no ShapeAllPayload');
    const summary = Object.fromEntries(
      Object.entries(root.fields).map(([k, f]) => [
        k,
        `${f.type.kind === 'list' ? `[${'name' in f.type.of ? f.type.of.name : ''}${f.type.itemsNullable ? '' : '!'}]` : f.type.name}${f.nullable ? '' : '!'}`,
      ]),
    );
    expect(summary).toEqual({
      s: 'String!',
      n: 'Float!',
      i: 'SafeInt!',
      b: 'Boolean!',
      maybe: 'String',
      list: '[String!]!',
      objs: '[ShapeAllPayloadObjsItem!]!',
      e: 'ShapeAllPayloadE!',
      odd: 'String',
      any: 'JSON',
      free: 'JSON',
      grid: 'JSON',
      place: 'Place',
    });
    expect(byName.ShapeAllPayloadE).toEqual({ kind: 'enum', name: 'ShapeAllPayloadE', values: ['a_b', 'c'] });
    expect(byName.Place?.kind).toBe('object');
  });
});

describe('a catalog that does not load', () => {
  it('lists every problem at once, each saying where', () => {
    const problems = problemsOf(() =>
      createCatalog({
        types: {
          'member.join': { payload: { type: 'object' } },
          'Not A Name': { payload: { type: 'object' } },
          'listing.changed': {
            payload: {
              type: 'object',
              required: ['missing'],
              properties: {
                'kebab-case': { type: 'string' },
                when: { type: 'string', format: 'date-time' },
                either: { oneOf: [{ type: 'string' }, { type: 'number' }] },
                huge: { type: 'integer', maximum: 1e20 },
                place: { title: 'Event', type: 'object', properties: { x: { type: 'string' } } },
              },
            },
          },
          listing_changed: { payload: { type: 'object', properties: { y: { type: 'string' } } } },
          'scalar.payload': { payload: { type: 'string' } },
          'no.payload': { description: 'forgot it' },
          'bad.keyword': { payload: { type: 'object', properties: { m: { type: 'string', minLength: 'x' } } } },
        },
        colour: 'blue',
      }),
    );
    expect(problems).toEqual([
      '"colour" is not a catalog field (expected "types", "description")',
      'types["member.join"]: written by the server itself; its payload is built in and cannot be redefined',
      'types["Not A Name"]: not an event type name: lower-case words joined by dots, like "property.update" (at most 4 parts)',
      'types["no.payload"]: "payload" is required (the JSON Schema of the event\'s payload, an object)',
      'types["listing.changed"].payload.required: "missing" is not in "properties"',
      'types["listing.changed"].payload.properties.kebab-case: "kebab-case" is not a GraphQL field name (letters, digits and _, not starting with a digit or __)',
      'types["listing.changed"].payload.properties.when: "format" is not supported in catalog payloads (ajv checks no formats without a plugin: use "pattern")',
      'types["listing.changed"].payload.properties.either: "oneOf" is not supported in catalog payloads (alternatives have no GraphQL type: declare one shape, or leave "type" out for any JSON)',
      'types["listing.changed"].payload.properties.huge.maximum: integers are GraphQL SafeInts, at most ±9007199254740991',
      'types["scalar.payload"].payload: must be the schema of an object: "type": "object" (or ["object", "null"] to allow events without a payload)',
      'types["bad.keyword"].payload: schema is invalid: data/properties/m/minLength must be integer',
      'types["listing.changed"].payload.properties.place: makes GraphQL type "Event", a name the server\'s schema already uses',
      'types["listing_changed"].payload: makes GraphQL type "ListingChangedPayload", and so does types["listing.changed"].payload (type names that differ only in ".", "-" or "_" make the same GraphQL name; nested types must not take a payload type\'s name)',
    ]);
  });

  it('says where a file is not JSON, or cannot be read', () => {
    const bad = file('bad.json', '{\n  "types": {\n    "a.b": { "payload": } }\n}\n');
    // Node 20's V8 quotes the text around the mistake; later ones say "at position N", made a line and column.
    expect(problemsOf(() => loadCatalogFile(bad))).toEqual([expect.stringMatching(/^not valid JSON: .*"payload": \}/)]);
    expect(problemsOf(() => loadCatalogFile(join(dir, 'nowhere.json')))).toEqual(['cannot read the file: ENOENT']);
  });

  it('is a configuration problem, listed with the others (EVENTS_CATALOG)', () => {
    const bad = file('scalar.json', JSON.stringify({ types: { 'a.b': { payload: { type: 'string' } } } }));
    const problems = problemsOf(() => loadConfig({ PORT: 'eighty', EVENTS_CATALOG: bad }));
    expect(problems).toContain(
      `EVENTS_CATALOG (${bad}): types["a.b"].payload: must be the schema of an object: "type": "object" (or ["object", "null"] to allow events without a payload)`,
    );
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
  });

  it('shares a "title" between identical shapes only', () => {
    const agent = { title: 'Agent', type: 'object', properties: { name: { type: 'string' } } };
    const ok = createCatalog({
      types: {
        'a.one': { payload: { type: 'object', properties: { agent } } },
        'a.two': { payload: { type: 'object', properties: { agent: { ...agent, description: 'same shape' } } } },
      },
    });
    expect(ok.graphqlTypes.filter((t) => t.name === 'Agent')).toHaveLength(1);
    const other = { ...agent, properties: { name: { type: 'number' } } };
    expect(
      problemsOf(() =>
        createCatalog({
          types: {
            'a.one': { payload: { type: 'object', properties: { agent } } },
            'a.two': { payload: { type: 'object', properties: { agent: other } } },
          },
        }),
      ),
    ).toEqual([
      'types["a.two"].payload.properties.agent: makes GraphQL type "Agent", which types["a.one"].payload.properties.agent makes differently (give one a different "title")',
    ]);
  });
});
