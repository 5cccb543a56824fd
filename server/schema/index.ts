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
  return builder.toSchema({ sortSchema: true });
}
