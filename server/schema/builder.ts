import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import type { Context } from '../context.js';
import { apiKeyPublishOnly, badInput, forbidden, unauthenticated } from '../errors.js';

/** The Pothos type parameters every domain file builds with. */
export interface SchemaTypes {
  Context: Context;
  DefaultFieldNullability: false;
  /** `loggedIn`: a user or service token. `apiKey`: an organization's API key, which only publishes. */
  AuthScopes: { loggedIn: boolean; service: boolean; apiKey: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string | number };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
  };
}

export type Types = PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>;
export type Builder = PothosSchemaTypes.SchemaBuilder<Types>;

/**
 * A fresh builder with the plugins, scalars, auth scopes and root types, and no domain types: one per
 * schema, since a schema is built from an event catalog at start (several per process in tests).
 */
export function createBuilder(): Builder {
  const builder = new SchemaBuilder<SchemaTypes>({
    plugins: [ScopeAuthPlugin, ValidationPlugin],
    defaultFieldNullability: false,
    scopeAuth: {
      authScopes: (ctx) => ({
        loggedIn: ctx.viewer !== null && ctx.viewer.apiKey === undefined,
        service: ctx.viewer?.isService === true,
        apiKey: ctx.viewer?.apiKey !== undefined,
      }),
      unauthorizedError: (_parent, ctx) =>
        ctx.viewer?.apiKey
          ? apiKeyPublishOnly()
          : ctx.viewer
            ? forbidden('This operation is not allowed for your token.')
            : unauthenticated(),
    },
    validation: {
      validationError: (failure) =>
        badInput(
          failure.issues
            .map((i) => `${(i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.')}: ${i.message}`)
            .join('; '),
        ),
    },
  });
  builder.addScalarType('DateTime', DateTimeResolver);
  builder.addScalarType('JSON', JSONResolver);
  builder.addScalarType('SafeInt', SafeIntResolver);
  builder.queryType({});
  builder.mutationType({});
  builder.subscriptionType({});
  return builder;
}
