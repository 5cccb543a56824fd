import type { Kysely, Transaction } from 'kysely';

/** Table shapes shared by the SQLite and PostgreSQL stores (one query layer for both). */
export interface UsersTable {
  id: string;
  name: string | null;
  created_at: number;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  /** Highest event sequence assigned in this organization; bumped in the append transaction. */
  last_seq: number;
  /** Every event with `seq <= pruned_through` was removed by retention. */
  pruned_through: number;
  created_at: number;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: number;
}

export interface EventsTable {
  org_id: string;
  seq: number;
  id: string;
  channel: string;
  type: string;
  subject_id: string | null;
  /** JSON text; `null` when the event has no payload. */
  payload: string | null;
  actor_id: string;
  actor_name: string | null;
  actor_is_service: number;
  occurred_at: number;
  /** 1 when only the event's audience may see it: the users in `event_audience` and the roles below. */
  restricted: number;
  /** The roles of the audience as `,ADMIN,OWNER,` (matched with LIKE on both dialects); null = none. */
  audience_roles: string | null;
}

export interface EventAudienceTable {
  org_id: string;
  seq: number;
  user_id: string;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  org_id: string;
  title: string;
  body: string | null;
  /** JSON text */
  data: string | null;
  created_at: number;
  read_at: number | null;
}

export interface ApiKeysTable {
  /** `key_<32 hex>`; the hex part is also the middle of the key a client sends (auth/api-keys.ts). */
  id: string;
  org_id: string;
  name: string;
  /** SHA-256 (hex) of the key's secret part; the secret itself is never stored. */
  secret_hash: string;
  /** User id (or service `sub`) that created the key. */
  created_by: string;
  created_at: number;
  /** Refreshed at most once a minute (auth/api-keys.ts). */
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  /** The event the key published; the row goes when that event does (foreign key, cascade). */
  seq: number;
  created_at: number;
}

/** A channel whose readers or writers need more than the defaults (VIEWER reads, MEMBER publishes). */
export interface ChannelRulesTable {
  org_id: string;
  channel: string;
  subscribe_role: Role;
  publish_role: Role;
  updated_at: number;
}

export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  events: EventsTable;
  event_audience: EventAudienceTable;
  notifications: NotificationsTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  channel_rules: ChannelRulesTable;
}

export type Db = Kysely<Database> | Transaction<Database>;

export const ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  name: string | null;
}

export interface Organization {
  id: string;
  name: string;
  createdAt: number;
}

export interface Membership {
  orgId: string;
  userId: string;
  role: Role;
  /** The name the user's token last carried; null until they have connected once. */
  name: string | null;
  createdAt: number;
}

export interface Actor {
  id: string;
  name: string | null;
  isService: boolean;
}

/** One event as stored in an organization's ordered log. */
export interface EventRecord {
  id: string;
  orgId: string;
  seq: number;
  channel: string;
  type: string;
  subjectId: string | null;
  payload: unknown;
  actor: Actor;
  occurredAt: number;
  /** Only these members may see the event (a notification's recipients, a private event); absent = every member. */
  audience?: Audience;
}

/** Who may see a restricted event: these users, and the members whose role is one of these (exact roles). */
export interface Audience {
  userIds: readonly string[];
  roles: readonly Role[];
}

/** Who may read (subscribe, replay, history) and publish on one channel of an organization. */
export interface ChannelRule {
  channel: string;
  subscribeRole: Role;
  publishRole: Role;
}

export interface Notification {
  id: string;
  userId: string;
  orgId: string;
  title: string;
  body: string | null;
  data: unknown;
  createdAt: number;
  readAt: number | null;
}

export type NewEvent = Omit<EventRecord, 'seq' | 'id' | 'occurredAt'>;

/** A per-organization credential of an app backend, as listed (never with its secret). */
export interface ApiKey {
  id: string;
  orgId: string;
  name: string;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface EventQuery {
  orgId: string;
  afterSeq: number;
  channels?: readonly string[] | null;
  types?: readonly string[] | null;
  subjectIds?: readonly string[] | null;
  limit: number;
  /** Restricted events are included only for their audience; undefined = include all (services, internal use). */
  viewerId?: string;
  /** The viewer's role in the organization, for audiences that name roles. */
  viewerRole?: Role;
  /** Channels the viewer may not read (channel rules); their events are left out. */
  hiddenChannels?: readonly string[];
  /** The newest `limit` events (still returned oldest first) instead of the oldest after `afterSeq`. */
  newest?: boolean;
  /** Only events before this position (paging back from a cursor). */
  beforeSeq?: number;
  /** Only events that occurred in [since, until], milliseconds since the epoch. */
  since?: number;
  until?: number;
}
