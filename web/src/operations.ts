import { graphql } from './gql';

/** Every operation the dashboard sends, named by feature; codegen types them all. */

export const MeQuery = graphql(`
  query Me {
    me {
      id
      name
      isService
      organizations {
        id
        name
      }
    }
  }
`);

export const EventFields = graphql(`
  fragment EventFields on Event {
    id
    cursor
    sequence
    channel
    type
    subjectId
    payload
    data {
      __typename
      ... on PropertyUpdatePayload {
        price
        status
        address
      }
    }
    occurredAt
    actor {
      id
      name
    }
  }
`);

export const EventHistoryQuery = graphql(`
  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!]) {
    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, last: 100) {
      nodes {
        ...EventFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const LiveEventsSubscription = graphql(`
  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $subjectIds: [ID!], $after: String) {
    events(orgId: $orgId, channels: $channels, types: $types, subjectIds: $subjectIds, after: $after) {
      ...EventFields
    }
  }
`);

export const PublishEventMutation = graphql(`
  mutation PublishEvent($input: PublishEventInput!) {
    publishEvent(input: $input) {
      ...EventFields
    }
  }
`);

export const PresenceSubscription = graphql(`
  subscription Presence($orgId: ID!) {
    presence(orgId: $orgId) {
      kind
      users {
        userId
        name
      }
    }
  }
`);

export const TypingSubscription = graphql(`
  subscription Typing($orgId: ID!, $room: String!) {
    typing(orgId: $orgId, room: $room) {
      room
      users {
        userId
        name
      }
    }
  }
`);

export const SetTypingMutation = graphql(`
  mutation SetTyping($orgId: ID!, $room: String!, $typing: Boolean!) {
    setTyping(orgId: $orgId, room: $room, typing: $typing)
  }
`);

export const NotificationsQuery = graphql(`
  query Notifications {
    notifications(first: 20) {
      nodes {
        id
        title
        body
        read
        createdAt
      }
    }
    unreadNotificationCount
  }
`);

export const NotificationUpdatesSubscription = graphql(`
  subscription NotificationUpdates {
    notifications {
      unreadCount
      notification {
        id
        title
      }
    }
  }
`);

export const MarkAllReadMutation = graphql(`
  mutation MarkAllRead {
    markAllNotificationsRead
  }
`);

export const SendNotificationMutation = graphql(`
  mutation SendNotification($input: SendNotificationInput!) {
    sendNotification(input: $input) {
      id
    }
  }
`);

export const RefreshSessionMutation = graphql(`
  mutation RefreshSession($token: String!) {
    refreshSession(token: $token) {
      expiresAt
    }
  }
`);

export const ChannelRulesQuery = graphql(`
  query ChannelRules($orgId: ID!) {
    organization(id: $orgId) {
      id
      channelRules {
        channel
        subscribeRole
        publishRole
      }
    }
  }
`);

export const SetChannelRuleMutation = graphql(`
  mutation SetChannelRule($orgId: ID!, $channel: String!, $subscribeRole: Role!, $publishRole: Role!) {
    setChannelRule(orgId: $orgId, channel: $channel, subscribeRole: $subscribeRole, publishRole: $publishRole) {
      channel
      subscribeRole
      publishRole
    }
  }
`);

/* The console (OWNER, ADMIN and service tokens). */

export const InstanceFiguresFields = graphql(`
  fragment InstanceFiguresFields on InstanceFigures {
    instanceId
    uptimeSeconds
    eventsPerSecond
    publishedPerSecond
    deliveredPerSecond
    latencyP50Ms
    latencyP99Ms
    cutoffs
    gapFills
    redis
    connections {
      ws
      sse
      sseSingle
    }
    subscriptions
    watchers
  }
`);

export const LiveStatsSubscription = graphql(`
  subscription LiveStats($orgId: ID) {
    liveStats(orgId: $orgId) {
      at
      orgId
      instances {
        ...InstanceFiguresFields
      }
      total {
        ...InstanceFiguresFields
      }
    }
  }
`);

export const SubscribersQuery = graphql(`
  query Subscribers($orgId: ID!) {
    subscribers(orgId: $orgId) {
      id
      instanceId
      userId
      transport
      channels
      types
      subjectIds
      since
    }
  }
`);

export const EndSessionsMutation = graphql(`
  mutation EndSessions($orgId: ID!, $userId: ID!) {
    endSessions(orgId: $orgId, userId: $userId)
  }
`);

export const OrganizationQuery = graphql(`
  query Organization($orgId: ID!) {
    organization(id: $orgId) {
      id
      name
      createdAt
      members {
        userId
        name
        role
        joinedAt
      }
    }
  }
`);

export const UpdateOrganizationMutation = graphql(`
  mutation UpdateOrganization($orgId: ID!, $name: String!) {
    updateOrganization(orgId: $orgId, name: $name) {
      id
      name
    }
  }
`);

export const AddMemberMutation = graphql(`
  mutation AddMember($orgId: ID!, $userId: ID!, $role: Role!) {
    addMember(orgId: $orgId, userId: $userId, role: $role) {
      userId
      role
    }
  }
`);

export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($orgId: ID!, $userId: ID!) {
    removeMember(orgId: $orgId, userId: $userId)
  }
`);

export const ApiKeysQuery = graphql(`
  query ApiKeys($orgId: ID!) {
    apiKeys(orgId: $orgId) {
      id
      name
      createdBy
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($orgId: ID!, $name: String!) {
    createApiKey(orgId: $orgId, name: $name) {
      secret
      apiKey {
        id
        name
      }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

export const InspectEventsQuery = graphql(`
  query InspectEvents(
    $orgId: ID!
    $channels: [String!]
    $types: [String!]
    $subjectIds: [ID!]
    $since: DateTime
    $until: DateTime
    $before: String
  ) {
    events(
      orgId: $orgId
      channels: $channels
      types: $types
      subjectIds: $subjectIds
      since: $since
      until: $until
      before: $before
      last: 50
    ) {
      nodes {
        ...EventFields
      }
    }
  }
`);

export const ReplayEventsSubscription = graphql(`
  subscription ReplayEvents($orgId: ID!, $after: String!) {
    events(orgId: $orgId, after: $after) {
      ...EventFields
    }
  }
`);
