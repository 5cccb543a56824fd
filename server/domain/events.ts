import { isStillMember, requireOrgAccess } from '../auth/access.js';
import type { StreamGuard } from '../auth/session.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { badInput, noLongerMember } from '../errors.js';
import { decodeCursor, encodeCursor } from '../realtime/cursor.js';
import { createFilter } from '../realtime/filter.js';
import type { EventStream } from '../realtime/event-stream.js';
import { resyncEvent } from '../realtime/resync.js';
import * as repo from '../store/repository.js';
import type { EventRecord } from '../store/types.js';
import { checkEventInput, type PublishInput } from './event-input.js';
import { holdPresence } from './presence.js';
import { actorOf, appendAndPublish } from './publish.js';
import type { ResponseBudget } from '../limits/response-budget.js';

export {
  BUILT_IN_CHANNELS,
  BUILT_IN_TYPES,
  NAME_PATTERN,
  SERVER_ONLY_TYPE_PREFIXES,
  type PublishInput,
} from './event-input.js';
export { RESYNC_TYPE } from '../realtime/resync.js';

export async function publishEvent(
  services: Services,
  viewer: Viewer | null,
  input: PublishInput,
): Promise<EventRecord> {
  const payload = checkEventInput(services, input);
  const { viewer: v } = await requireOrgAccess(services.store, viewer, input.orgId, 'MEMBER', 'publish events');
  const [event] = await appendAndPublish(services, input.orgId, [
    {
      orgId: input.orgId,
      channel: input.channel,
      type: input.type,
      subjectId: input.subjectId ?? null,
      payload,
      actor: actorOf(v),
    },
  ]);
  if (!event) throw new Error('publishEvent appended nothing');
  return event;
}

export interface EventsArgs {
  orgId: string;
  channels?: readonly string[] | null;
  types?: readonly string[] | null;
  subjectIds?: readonly string[] | null;
  after?: string | null;
}

export interface EventPage {
  events: EventRecord[];
  hasNextPage: boolean;
}

/** A page of stored history; its payloads are reserved from the operation's budget before they are read. */
export async function listEventHistory(
  services: Services,
  viewer: Viewer | null,
  args: EventsArgs & { first?: number | null },
  budget: ResponseBudget,
): Promise<EventPage> {
  const { viewer: v } = await requireOrgAccess(services.store, viewer, args.orgId, 'VIEWER', 'read its events');
  const first = args.first ?? 50;
  if (first < 1 || first > services.limits.maxPageSize)
    throw badInput(`first must be between 1 and ${services.limits.maxPageSize}.`);
  const afterSeq = args.after ? parseCursorFor(args.orgId, args.after) : 0;
  return repo.listEventPage(
    services.store.db,
    { ...args, afterSeq, limit: first, viewerId: v.userId },
    (bytes, count) => budget.reserve(bytes, `the ${count} events asked for`),
  );
}

/** Parses a cursor of this organization; anything else is the client's mistake. */
function parseCursorFor(orgId: string, cursor: string): number {
  const decoded = decodeCursor(cursor);
  if (!decoded) throw badInput('after is not a cursor issued by this server.');
  if (decoded.orgId !== orgId) throw badInput('after is a cursor of another organization.');
  return decoded.seq;
}

/**
 * Starts a live event stream. With `after`, stored events after that cursor are replayed first.
 * A cursor that cannot be resumed from (garbage, from the future, older than retention) yields one
 * `stream.resync` event first, then live events: the client must reload history. Another organization's
 * cursor is refused.
 */
export async function subscribeEvents(
  services: Services,
  viewer: Viewer | null,
  args: EventsArgs,
  guard?: StreamGuard,
): Promise<EventStream> {
  const { viewer: v } = await requireOrgAccess(services.store, viewer, args.orgId, 'VIEWER', 'subscribe to its events');
  const stream = await openEventStream(services, v, args, guard);
  // Registered now, so a later removal reaches it through the feed; an earlier one is caught here.
  if (!(await isStillMember(services.store, v, args.orgId))) {
    stream.close();
    throw noLongerMember(args.orgId);
  }
  const release = holdPresence(services, args.orgId, v);
  stream.whenEnded(release);
  return stream;
}

async function openEventStream(
  services: Services,
  v: Viewer,
  args: EventsArgs,
  guard?: StreamGuard,
): Promise<EventStream> {
  const filter = createFilter({ ...args, viewerId: v.userId });
  if (args.after === undefined || args.after === null)
    return services.bus.subscribe({ orgId: args.orgId, filter, guard });
  const decoded = decodeCursor(args.after);
  if (decoded && decoded.orgId !== args.orgId) throw badInput('after is a cursor of another organization.');
  const bounds = (await repo.logBounds(services.store.db, args.orgId)) ?? { lastSeq: 0, prunedThrough: 0 };
  const reason = !decoded
    ? 'CURSOR_INVALID'
    : decoded.seq > bounds.lastSeq
      ? 'CURSOR_AHEAD'
      : decoded.seq < bounds.prunedThrough
        ? 'CURSOR_EXPIRED'
        : undefined;
  if (decoded && !reason) return services.bus.subscribe({ orgId: args.orgId, filter, afterSeq: decoded.seq, guard });
  const stream = await services.bus.subscribe({ orgId: args.orgId, filter, guard });
  services.metrics.onResync();
  stream.first(resyncEvent(args.orgId, stream.lastDeliveredSeq, reason ?? 'CURSOR_INVALID'));
  return stream;
}

export const cursorOf = (e: EventRecord) => encodeCursor(e.orgId, e.seq);
