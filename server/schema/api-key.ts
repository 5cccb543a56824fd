import * as apiKeys from '../domain/api-keys.js';
import type { ApiKey } from '../store/types.js';
import type { Builder } from './builder.js';

/** Organization API keys: listed, created (the secret shown once) and revoked by OWNERs, ADMINs and services. */
export function addApiKeySchema(builder: Builder): void {
  const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
    description:
      "An organization's credential for an app backend: it publishes events there (`Authorization: Bearer <secret>`) and does nothing else.",
    fields: (t) => ({
      id: t.exposeID('id'),
      orgId: t.exposeID('orgId'),
      name: t.exposeString('name'),
      createdBy: t.exposeID('createdBy', { description: 'The user (or service) that created it.' }),
      createdAt: t.field({ type: 'DateTime', resolve: (k) => new Date(k.createdAt) }),
      lastUsedAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'Its last use, to the minute (recorded at most once a minute).',
        resolve: (k) => (k.lastUsedAt === null ? null : new Date(k.lastUsedAt)),
      }),
      revokedAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (k) => (k.revokedAt === null ? null : new Date(k.revokedAt)),
      }),
    }),
  });

  const CreatedApiKeyRef = builder.objectRef<apiKeys.CreatedApiKey>('CreatedApiKey').implement({
    fields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, resolve: (c) => c.apiKey }),
      secret: t.exposeString('secret', {
        description:
          'The key to send as `Authorization: Bearer <secret>`. Shown only now: only a hash of it is stored.',
      }),
    }),
  });

  builder.queryField('apiKeys', (t) =>
    t.field({
      type: [ApiKeyRef],
      description:
        "The organization's API keys, revoked ones included, without their secrets (OWNER, ADMIN, services).",
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => apiKeys.listApiKeysOf(ctx.services, ctx.viewer, String(args.orgId)),
    }),
  );

  builder.mutationFields((t) => ({
    createApiKey: t.field({
      type: CreatedApiKeyRef,
      description: 'Creates an API key that publishes in this organization only (OWNER, ADMIN, services).',
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
      resolve: (_root, args, ctx) => apiKeys.createApiKey(ctx.services, ctx.viewer, String(args.orgId), args.name),
    }),
    revokeApiKey: t.field({
      type: ApiKeyRef,
      description: 'Revokes an API key at once, on every instance (OWNER, ADMIN, services of its organization).',
      authScopes: { loggedIn: true },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => apiKeys.revokeApiKey(ctx.services, ctx.viewer, String(args.id)),
    }),
  }));
}
