import type { Audience, EventRecord, Role } from '../store/types.js';

/** A subscriber's narrowing of its organization's events; an absent list means "any". */
export interface EventFilter {
  channels?: ReadonlySet<string>;
  types?: ReadonlySet<string>;
  subjectIds?: ReadonlySet<string>;
  /** Who is watching: restricted events (notifications, private events) reach their audience only. */
  viewerId?: string;
  /** The watcher's role, for audiences of roles; changed in log order by `member.update` (OrgFeed). */
  viewerRole?: Role;
}

export function createFilter(f: {
  channels?: readonly string[] | null;
  types?: readonly string[] | null;
  subjectIds?: readonly string[] | null;
  viewerId?: string;
  viewerRole?: Role;
}): EventFilter {
  const set = (list?: readonly string[] | null) => (list && list.length > 0 ? new Set(list) : undefined);
  return {
    channels: set(f.channels),
    types: set(f.types),
    subjectIds: set(f.subjectIds),
    viewerId: f.viewerId,
    viewerRole: f.viewerRole,
  };
}

export function matchesFilter(filter: EventFilter, e: EventRecord): boolean {
  if (e.audience && !inAudience(e.audience, filter)) return false;
  if (filter.channels && !filter.channels.has(e.channel)) return false;
  if (filter.types && !filter.types.has(e.type)) return false;
  if (filter.subjectIds && (e.subjectId === null || !filter.subjectIds.has(e.subjectId))) return false;
  return true;
}

const inAudience = (a: Audience, f: EventFilter) =>
  (f.viewerId !== undefined && a.userIds.includes(f.viewerId)) ||
  (f.viewerRole !== undefined && a.roles.includes(f.viewerRole));
