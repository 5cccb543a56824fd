import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../server/schema/index.js';

describe('schema.graphql', () => {
  it('is the schema the server serves (run `npm run schema` after changing server/schema)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
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
    ]) {
      expect(sdl).toContain(field);
    }
  });
});
