import type { GraphQLSchema } from 'graphql';
import type { EventCatalog } from '../catalog/catalog.js';
import { createBuilder } from './builder.js';
import { addApiKeySchema } from './api-key.js';
import { addChannelRuleSchema } from './channel-rule.js';
import { addConsoleSchema } from './console.js';
import { addEventSchema } from './event.js';
import { addNotificationSchema } from './notification.js';
import { addOrganizationSchema } from './organization.js';
import { addPresenceSchema } from './presence.js';
import { addPublishBatchSchema } from './publish-batch.js';
import { addServerSchema } from './server.js';
import { addSessionSchema } from './session.js';
import { addUserSchema } from './user.js';

/**
 * The executable schema for an event catalog, assembled from the domain files (types and fields sorted).
 * Each call builds a fresh one: nothing is shared between schemas of different catalogs.
 */
export function createSchema(catalog: EventCatalog): GraphQLSchema {
  const builder = createBuilder();
  const organizations = addOrganizationSchema(builder);
  addUserSchema(builder, organizations);
  const { PublishEventInput } = addEventSchema(builder, organizations, catalog);
  addPublishBatchSchema(builder, PublishEventInput);
  addApiKeySchema(builder);
  addChannelRuleSchema(builder, organizations);
  addNotificationSchema(builder);
  addSessionSchema(builder);
  addPresenceSchema(builder);
  addServerSchema(builder);
  addConsoleSchema(builder);
  return withPlainSubscriptionResolvers(builder.toSchema({ sortSchema: true }));
}

const asDelivered = (item: unknown) => item;

/**
 * Every subscription field resolves to the item its stream yields, as it is (the fan-out shares one result per
 * item on that: transport/fanout/result-key.ts). Pothos wraps that identity in its plugins, which check the
 * field's arguments and auth scopes again on every item; `subscribe` already did both, once per subscription.
 * Delivery executes each event once per organization and selection, so this wrapper was paid per event.
 */
function withPlainSubscriptionResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) field.resolve = asDelivered;
  return schema;
}
