import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RESERVED_TYPE_NAMES, defaultCatalog, loadCatalogFile } from '../../server/catalog/catalog.js';
import { createSchema } from '../../server/schema/index.js';

const committed = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('schema.graphql', () => {
  const schema = createSchema(defaultCatalog());

  it('is the schema the server serves with the built-in event types (run `npm run schema` after changing server/schema)', () => {
    expect(committed('schema.graphql')).toBe(`${printSchema(schema)}\n`);
  });

  it('web/schema.demo.graphql is the schema of the demo catalog, which the dashboard is typed with', () => {
    const demo = createSchema(loadCatalogFile(new URL('../../web/catalog.demo.json', import.meta.url).pathname));
    expect(committed('web/schema.demo.graphql')).toBe(`${printSchema(demo)}\n`);
  });

  it("lists every type of the server's own in RESERVED_TYPE_NAMES, which no catalog type may take", () => {
    const catalogTypes = new Set(defaultCatalog().graphqlTypes.map((t) => t.name));
    const own = Object.keys(schema.getTypeMap()).filter((n) => !n.startsWith('__') && !catalogTypes.has(n));
    expect(own.sort()).toEqual([...RESERVED_TYPE_NAMES].sort());
  });

  it('resolves every subscription field to the item its stream yields, without checking the arguments again per item', () => {
    // The fan-out shares one result per item and selection on this (transport/fanout/result-key.ts); the
    // arguments and auth scopes are checked once, by the field's subscribe.
    const fields = Object.values(schema.getSubscriptionType()?.getFields() ?? {});
    expect(fields.map((f) => f.name).sort()).toEqual(['events', 'liveStats', 'notifications', 'presence', 'typing']);
    const item = { id: 'e1' };
    const badArgs = { orgId: 'o1', channels: ['not a name!'], room: '' };
    for (const field of fields) expect(field.resolve?.(item, badArgs, {}, undefined as never)).toBe(item);
  });

  it('keeps the public contract names', () => {
    const sdl = printSchema(schema);
    for (const field of [
      'createOrganization(name: String!): Organization!',
      'updateOrganization(name: String!, orgId: ID!): Organization!',
      'addMember(orgId: ID!, role: Role! = MEMBER, userId: ID!): Membership!',
      'removeMember(orgId: ID!, userId: ID!): Boolean!',
      'publishEvent(input: PublishEventInput!): Event!',
      'events(after: String, channels: [String!], orgId: ID!, subjectIds: [ID!], types: [String!]): Event!',
      'payload: JSON',
      'data: EventData',
    ]) {
      expect(sdl).toContain(field);
    }
  });
});
