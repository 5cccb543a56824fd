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
    "\n  query Me {\n    me {\n      id\n      name\n      organizations {\n        id\n        name\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n": typeof types.EventFieldsFragmentDoc,
    "\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.EventHistoryDocument,
    "\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, after: $after) {\n      ...EventFields\n    }\n  }\n": typeof types.LiveEventsDocument,
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
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      organizations {\n        id\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n": types.EventFieldsFragmentDoc,
    "\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.EventHistoryDocument,
    "\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, after: $after) {\n      ...EventFields\n    }\n  }\n": types.LiveEventsDocument,
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
export function graphql(source: "\n  query Me {\n    me {\n      id\n      name\n      organizations {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      name\n      organizations {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment EventFields on Event {\n    id\n    cursor\n    sequence\n    channel\n    type\n    subjectId\n    payload\n    data {\n      __typename\n      ... on PropertyUpdatePayload {\n        price\n        status\n        address\n      }\n    }\n    occurredAt\n    actor {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!]) {\n    events(orgId: $orgId, channels: $channels, types: $types, last: 100) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, after: $after) {\n      ...EventFields\n    }\n  }\n"): (typeof documents)["\n  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $after: String) {\n    events(orgId: $orgId, channels: $channels, types: $types, after: $after) {\n      ...EventFields\n    }\n  }\n"];
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

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;