import { graphql } from './gql';

/** Every operation the dashboard sends, named by feature; codegen types them all. */

export const MeQuery = graphql(`
  query Me {
    me {
      id
      name
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
  query EventHistory($orgId: ID!, $channels: [String!], $types: [String!]) {
    events(orgId: $orgId, channels: $channels, types: $types, last: 100) {
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
  subscription LiveEvents($orgId: ID!, $channels: [String!], $types: [String!], $after: String) {
    events(orgId: $orgId, channels: $channels, types: $types, after: $after) {
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
