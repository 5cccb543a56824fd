/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      isService\n      organizations {\n        id\n        name\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n": typeof types.EventFieldsFragmentDoc,
    "\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.EventHistoryDocument,
    "\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, after: $after) {\n      ...EventFields\n    }\n  }\n": typeof types.LiveEventsDocument,
    "\n  mutation PublishEvent($input: PublishEventInput!) {\n    publishEvent(input: $input) {\n      ...EventFields\n    }\n  }\n": typeof types.PublishEventDocument,
    "\n  subscription Presence($orgId: ID!) {\n    presence(orgId: $orgId) {\n      kind\n      users {\n        userId\n        name\n      }\n    }\n  }\n": typeof types.PresenceDocument,
    "\n  subscription Typing($orgId: ID!, $room: String!) {\n    typing(orgId: $orgId, room: $room) {\n      room\n      users {\n        userId\n        name\n      }\n    }\n  }\n": typeof types.TypingDocument,
    "\n  mutation SetTyping($orgId: ID!, $room: String!, $typing: Boolean!) {\n    setTyping(orgId: $orgId, room: $room, typing: $typing)\n  }\n": typeof types.SetTypingDocument,
    "\n  query Notifications {\n    notifications(first: 20) {\n      nodes {\n        id\n        title\n        body\n        read\n        createdAt\n      }\n    }\n    unreadNotificationCount\n  }\n": typeof types.NotificationsDocument,
    "\n  subscription NotificationUpdates {\n    notifications {\n      unreadCount\n      notification {\n        id\n        title\n      }\n    }\n  }\n": typeof types.NotificationUpdatesDocument,
    "\n  mutation MarkAllRead {\n    markAllNotificationsRead\n  }\n": typeof types.MarkAllReadDocument,
    "\n  mutation SendNotification($input: SendNotificationInput!) {\n    sendNotification(input: $input) {\n      id\n    }\n  }\n": typeof types.SendNotificationDocument,
    "\n  mutation RefreshSession($token: String!) {\n    refreshSession(token: $token) {\n      expiresAt\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  query ChannelRules($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      channelRules {\n        channel\n        subscribeRole\n        publishRole\n      }\n    }\n  }\n": typeof types.ChannelRulesDocument,
    "\n  mutation SetChannelRule($orgId: ID!, $channel: String!, $subscribeRole: Role!, $publishRole: Role!) {\n    setChannelRule(orgId: $orgId, channel: $channel, subscribeRole: $subscribeRole, publishRole: $publishRole) {\n      channel\n      subscribeRole\n      publishRole\n    }\n  }\n": typeof types.SetChannelRuleDocument,
    "\n  fragment InstanceFiguresFields on InstanceFigures {\n    instanceId\n    uptimeSeconds\n    eventsPerSecond\n    publishedPerSecond\n    deliveredPerSecond\n    latencyP50Ms\n    latencyP99Ms\n    cutoffs\n    gapFills\n    redis\n    connections {\n      ws\n      sse\n      sseSingle\n    }\n    subscriptions\n    watchers\n  }\n": typeof types.InstanceFiguresFieldsFragmentDoc,
    "\n  subscription LiveStats($orgId: ID) {\n    liveStats(orgId: $orgId) {\n      at\n      orgId\n      instances {\n        ...InstanceFiguresFields\n      }\n      total {\n        ...InstanceFiguresFields\n      }\n    }\n  }\n": typeof types.LiveStatsDocument,
    "\n  query Subscribers($orgId: ID!) {\n    subscribers(orgId: $orgId) {\n      id\n      instanceId\n      userId\n      transport\n      channels\n      types\n      subjectIds\n      since\n    }\n  }\n": typeof types.SubscribersDocument,
    "\n  mutation EndSessions($orgId: ID!, $userId: ID!) {\n    endSessions(orgId: $orgId, userId: $userId)\n  }\n": typeof types.EndSessionsDocument,
    "\n  query Organization($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      name\n      createdAt\n      members {\n        userId\n        name\n        role\n        joinedAt\n      }\n    }\n  }\n": typeof types.OrganizationDocument,
    "\n  mutation UpdateOrganization($orgId: ID!, $name: String!) {\n    updateOrganization(orgId: $orgId, name: $name) {\n      id\n      name\n    }\n  }\n": typeof types.UpdateOrganizationDocument,
    "\n  mutation AddMember($orgId: ID!, $userId: ID!, $role: Role!) {\n    addMember(orgId: $orgId, userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n": typeof types.AddMemberDocument,
    "\n  mutation RemoveMember($orgId: ID!, $userId: ID!) {\n    removeMember(orgId: $orgId, userId: $userId)\n  }\n": typeof types.RemoveMemberDocument,
    "\n  query ApiKeys($orgId: ID!) {\n    apiKeys(orgId: $orgId) {\n      id\n      name\n      createdBy\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($orgId: ID!, $name: String!) {\n    createApiKey(orgId: $orgId, name: $name) {\n      secret\n      apiKey {\n        id\n        name\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query InspectEvents(\n    $orgId: ID!\n    $channels: [String!]\n    $types: [String!]\n    $subjectIds: [ID!]\n    $since: DateTime\n    $until: DateTime\n    $before: String\n  ) {\n    events(\n      orgId: $orgId\n      channels: $channels\n      types: $types\n      subjectIds: $subjectIds\n      since: $since\n      until: $until\n      before: $before\n      last: 50\n    ) {\n      nodes {\n        ...EventFields\n      }\n    }\n  }\n": typeof types.InspectEventsDocument,
    "\n  subscription ReplayEvents($orgId: ID!, $after: String!) {\n    events(orgId: $orgId, after: $after) {\n      ...EventFields\n    }\n  }\n": typeof types.ReplayEventsDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      isService\n      organizations {\n        id\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n": types.EventFieldsFragmentDoc,
    "\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.EventHistoryDocument,
    "\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, after: $after) {\n      ...EventFields\n    }\n  }\n": types.LiveEventsDocument,
    "\n  mutation PublishEvent($input: PublishEventInput!) {\n    publishEvent(input: $input) {\n      ...EventFields\n    }\n  }\n": types.PublishEventDocument,
    "\n  subscription Presence($orgId: ID!) {\n    presence(orgId: $orgId) {\n      kind\n      users {\n        userId\n        name\n      }\n    }\n  }\n": types.PresenceDocument,
    "\n  subscription Typing($orgId: ID!, $room: String!) {\n    typing(orgId: $orgId, room: $room) {\n      room\n      users {\n        userId\n        name\n      }\n    }\n  }\n": types.TypingDocument,
    "\n  mutation SetTyping($orgId: ID!, $room: String!, $typing: Boolean!) {\n    setTyping(orgId: $orgId, room: $room, typing: $typing)\n  }\n": types.SetTypingDocument,
    "\n  query Notifications {\n    notifications(first: 20) {\n      nodes {\n        id\n        title\n        body\n        read\n        createdAt\n      }\n    }\n    unreadNotificationCount\n  }\n": types.NotificationsDocument,
    "\n  subscription NotificationUpdates {\n    notifications {\n      unreadCount\n      notification {\n        id\n        title\n      }\n    }\n  }\n": types.NotificationUpdatesDocument,
    "\n  mutation MarkAllRead {\n    markAllNotificationsRead\n  }\n": types.MarkAllReadDocument,
    "\n  mutation SendNotification($input: SendNotificationInput!) {\n    sendNotification(input: $input) {\n      id\n    }\n  }\n": types.SendNotificationDocument,
    "\n  mutation RefreshSession($token: String!) {\n    refreshSession(token: $token) {\n      expiresAt\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  query ChannelRules($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      channelRules {\n        channel\n        subscribeRole\n        publishRole\n      }\n    }\n  }\n": types.ChannelRulesDocument,
    "\n  mutation SetChannelRule($orgId: ID!, $channel: String!, $subscribeRole: Role!, $publishRole: Role!) {\n    setChannelRule(orgId: $orgId, channel: $channel, subscribeRole: $subscribeRole, publishRole: $publishRole) {\n      channel\n      subscribeRole\n      publishRole\n    }\n  }\n": types.SetChannelRuleDocument,
    "\n  fragment InstanceFiguresFields on InstanceFigures {\n    instanceId\n    uptimeSeconds\n    eventsPerSecond\n    publishedPerSecond\n    deliveredPerSecond\n    latencyP50Ms\n    latencyP99Ms\n    cutoffs\n    gapFills\n    redis\n    connections {\n      ws\n      sse\n      sseSingle\n    }\n    subscriptions\n    watchers\n  }\n": types.InstanceFiguresFieldsFragmentDoc,
    "\n  subscription LiveStats($orgId: ID) {\n    liveStats(orgId: $orgId) {\n      at\n      orgId\n      instances {\n        ...InstanceFiguresFields\n      }\n      total {\n        ...InstanceFiguresFields\n      }\n    }\n  }\n": types.LiveStatsDocument,
    "\n  query Subscribers($orgId: ID!) {\n    subscribers(orgId: $orgId) {\n      id\n      instanceId\n      userId\n      transport\n      channels\n      types\n      subjectIds\n      since\n    }\n  }\n": types.SubscribersDocument,
    "\n  mutation EndSessions($orgId: ID!, $userId: ID!) {\n    endSessions(orgId: $orgId, userId: $userId)\n  }\n": types.EndSessionsDocument,
    "\n  query Organization($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      name\n      createdAt\n      members {\n        userId\n        name\n        role\n        joinedAt\n      }\n    }\n  }\n": types.OrganizationDocument,
    "\n  mutation UpdateOrganization($orgId: ID!, $name: String!) {\n    updateOrganization(orgId: $orgId, name: $name) {\n      id\n      name\n    }\n  }\n": types.UpdateOrganizationDocument,
    "\n  mutation AddMember($orgId: ID!, $userId: ID!, $role: Role!) {\n    addMember(orgId: $orgId, userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n": types.AddMemberDocument,
    "\n  mutation RemoveMember($orgId: ID!, $userId: ID!) {\n    removeMember(orgId: $orgId, userId: $userId)\n  }\n": types.RemoveMemberDocument,
    "\n  query ApiKeys($orgId: ID!) {\n    apiKeys(orgId: $orgId) {\n      id\n      name\n      createdBy\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($orgId: ID!, $name: String!) {\n    createApiKey(orgId: $orgId, name: $name) {\n      secret\n      apiKey {\n        id\n        name\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query InspectEvents(\n    $orgId: ID!\n    $channels: [String!]\n    $types: [String!]\n    $subjectIds: [ID!]\n    $since: DateTime\n    $until: DateTime\n    $before: String\n  ) {\n    events(\n      orgId: $orgId\n      channels: $channels\n      types: $types\n      subjectIds: $subjectIds\n      since: $since\n      until: $until\n      before: $before\n      last: 50\n    ) {\n      nodes {\n        ...EventFields\n      }\n    }\n  }\n": types.InspectEventsDocument,
    "\n  subscription ReplayEvents($orgId: ID!, $after: String!) {\n    events(orgId: $orgId, after: $after) {\n      ...EventFields\n    }\n  }\n": types.ReplayEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      name\n      isService\n      organizations {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      name\n      isService\n      organizations {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, after: $after) {\n      ...EventFields\n    }\n  }\n"): (typeof documents)["\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, after: $after) {\n      ...EventFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PublishEvent($input: PublishEventInput!) {\n    publishEvent(input: $input) {\n      ...EventFields\n    }\n  }\n"): (typeof documents)["\n  mutation PublishEvent($input: PublishEventInput!) {\n    publishEvent(input: $input) {\n      ...EventFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Presence($orgId: ID!) {\n    presence(orgId: $orgId) {\n      kind\n      users {\n        userId\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Presence($orgId: ID!) {\n    presence(orgId: $orgId) {\n      kind\n      users {\n        userId\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Typing($orgId: ID!, $room: String!) {\n    typing(orgId: $orgId, room: $room) {\n      room\n      users {\n        userId\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Typing($orgId: ID!, $room: String!) {\n    typing(orgId: $orgId, room: $room) {\n      room\n      users {\n        userId\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetTyping($orgId: ID!, $room: String!, $typing: Boolean!) {\n    setTyping(orgId: $orgId, room: $room, typing: $typing)\n  }\n"): (typeof documents)["\n  mutation SetTyping($orgId: ID!, $room: String!, $typing: Boolean!) {\n    setTyping(orgId: $orgId, room: $room, typing: $typing)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Notifications {\n    notifications(first: 20) {\n      nodes {\n        id\n        title\n        body\n        read\n        createdAt\n      }\n    }\n    unreadNotificationCount\n  }\n"): (typeof documents)["\n  query Notifications {\n    notifications(first: 20) {\n      nodes {\n        id\n        title\n        body\n        read\n        createdAt\n      }\n    }\n    unreadNotificationCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationUpdates {\n    notifications {\n      unreadCount\n      notification {\n        id\n        title\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription NotificationUpdates {\n    notifications {\n      unreadCount\n      notification {\n        id\n        title\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkAllRead {\n    markAllNotificationsRead\n  }\n"): (typeof documents)["\n  mutation MarkAllRead {\n    markAllNotificationsRead\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendNotification($input: SendNotificationInput!) {\n    sendNotification(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SendNotification($input: SendNotificationInput!) {\n    sendNotification(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($token: String!) {\n    refreshSession(token: $token) {\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($token: String!) {\n    refreshSession(token: $token) {\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChannelRules($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      channelRules {\n        channel\n        subscribeRole\n        publishRole\n      }\n    }\n  }\n"): (typeof documents)["\n  query ChannelRules($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      channelRules {\n        channel\n        subscribeRole\n        publishRole\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetChannelRule($orgId: ID!, $channel: String!, $subscribeRole: Role!, $publishRole: Role!) {\n    setChannelRule(orgId: $orgId, channel: $channel, subscribeRole: $subscribeRole, publishRole: $publishRole) {\n      channel\n      subscribeRole\n      publishRole\n    }\n  }\n"): (typeof documents)["\n  mutation SetChannelRule($orgId: ID!, $channel: String!, $subscribeRole: Role!, $publishRole: Role!) {\n    setChannelRule(orgId: $orgId, channel: $channel, subscribeRole: $subscribeRole, publishRole: $publishRole) {\n      channel\n      subscribeRole\n      publishRole\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment InstanceFiguresFields on InstanceFigures {\n    instanceId\n    uptimeSeconds\n    eventsPerSecond\n    publishedPerSecond\n    deliveredPerSecond\n    latencyP50Ms\n    latencyP99Ms\n    cutoffs\n    gapFills\n    redis\n    connections {\n      ws\n      sse\n      sseSingle\n    }\n    subscriptions\n    watchers\n  }\n"): (typeof documents)["\n  fragment InstanceFiguresFields on InstanceFigures {\n    instanceId\n    uptimeSeconds\n    eventsPerSecond\n    publishedPerSecond\n    deliveredPerSecond\n    latencyP50Ms\n    latencyP99Ms\n    cutoffs\n    gapFills\n    redis\n    connections {\n      ws\n      sse\n      sseSingle\n    }\n    subscriptions\n    watchers\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveStats($orgId: ID) {\n    liveStats(orgId: $orgId) {\n      at\n      orgId\n      instances {\n        ...InstanceFiguresFields\n      }\n      total {\n        ...InstanceFiguresFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription LiveStats($orgId: ID) {\n    liveStats(orgId: $orgId) {\n      at\n      orgId\n      instances {\n        ...InstanceFiguresFields\n      }\n      total {\n        ...InstanceFiguresFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Subscribers($orgId: ID!) {\n    subscribers(orgId: $orgId) {\n      id\n      instanceId\n      userId\n      transport\n      channels\n      types\n      subjectIds\n      since\n    }\n  }\n"): (typeof documents)["\n  query Subscribers($orgId: ID!) {\n    subscribers(orgId: $orgId) {\n      id\n      instanceId\n      userId\n      transport\n      channels\n      types\n      subjectIds\n      since\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndSessions($orgId: ID!, $userId: ID!) {\n    endSessions(orgId: $orgId, userId: $userId)\n  }\n"): (typeof documents)["\n  mutation EndSessions($orgId: ID!, $userId: ID!) {\n    endSessions(orgId: $orgId, userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Organization($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      name\n      createdAt\n      members {\n        userId\n        name\n        role\n        joinedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query Organization($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      name\n      createdAt\n      members {\n        userId\n        name\n        role\n        joinedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateOrganization($orgId: ID!, $name: String!) {\n    updateOrganization(orgId: $orgId, name: $name) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateOrganization($orgId: ID!, $name: String!) {\n    updateOrganization(orgId: $orgId, name: $name) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddMember($orgId: ID!, $userId: ID!, $role: Role!) {\n    addMember(orgId: $orgId, userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation AddMember($orgId: ID!, $userId: ID!, $role: Role!) {\n    addMember(orgId: $orgId, userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($orgId: ID!, $userId: ID!) {\n    removeMember(orgId: $orgId, userId: $userId)\n  }\n"): (typeof documents)["\n  mutation RemoveMember($orgId: ID!, $userId: ID!) {\n    removeMember(orgId: $orgId, userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys($orgId: ID!) {\n    apiKeys(orgId: $orgId) {\n      id\n      name\n      createdBy\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys($orgId: ID!) {\n    apiKeys(orgId: $orgId) {\n      id\n      name\n      createdBy\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($orgId: ID!, $name: String!) {\n    createApiKey(orgId: $orgId, name: $name) {\n      secret\n      apiKey {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($orgId: ID!, $name: String!) {\n    createApiKey(orgId: $orgId, name: $name) {\n      secret\n      apiKey {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query InspectEvents(\n    $orgId: ID!\n    $channels: [String!]\n    $types: [String!]\n    $subjectIds: [ID!]\n    $since: DateTime\n    $until: DateTime\n    $before: String\n  ) {\n    events(\n      orgId: $orgId\n      channels: $channels\n      types: $types\n      subjectIds: $subjectIds\n      since: $since\n      until: $until\n      before: $before\n      last: 50\n    ) {\n      nodes {\n        ...EventFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query InspectEvents(\n    $orgId: ID!\n    $channels: [String!]\n    $types: [String!]\n    $subjectIds: [ID!]\n    $since: DateTime\n    $until: DateTime\n    $before: String\n  ) {\n    events(\n      orgId: $orgId\n      channels: $channels\n      types: $types\n      subjectIds: $subjectIds\n      since: $since\n      until: $until\n      before: $before\n      last: 50\n    ) {\n      nodes {\n        ...EventFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ReplayEvents($orgId: ID!, $after: String!) {\n    events(orgId: $orgId, after: $after) {\n      ...EventFields\n    }\n  }\n"): (typeof documents)["\n  subscription ReplayEvents($orgId: ID!, $after: String!) {\n    events(orgId: $orgId, after: $after) {\n      ...EventFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;