import { type OrgAccess, isStillMember, requireOrgAccess } from '../auth/access.js';
import type { StreamGuard } from '../auth/session.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { badInput, noLongerMember } from '../errors.js';
import { decodeCursor, encodeCursor } from '../realtime/cursor.js';
import { createFilter } from '../realtime/filter.js';
import type { SubscriberTransport } from '../realtime/subscriber-registry.js';
import type { EventStream } from '../realtime/event-stream.js';
import { resyncEvent } from '../realtime/resync.js';
import * as repo from '../store/repository.js';
import type { EventRecord } from '../store/types.js';
import { checkEventInput, type PublishInput } from './event-input.js';
import { holdPresence } from './presence.js';
import { actorOf, appendAndPublish, checkIdempotencyKey, payerOf } from './publish.js';
import { authorizeGuarded, checkMayPublish, hiddenChannelsFor } from './channel-rules.js';
import type { ResponseBudget } from '../limits/response-budget.js';

export {
  BUILT_IN_CHANNELS,
  BUILT_IN_TYPES,
  NAME_PATTERN,
  SERVER_ONLY_TYPE_PREFIXES,
  type PublishInput,
} from './event-input.js';
export { RESYNC_TYPE } from '../realtime/resync.js';

/**
 * One event, by a member (their publish budget), a service or an API key of the organization. With an
 * `idempotencyKey` that already published an event of the organization (within retention), nothing is appended
 * and that original event is returned.
 */
export async function publishEvent(
  services: Services,
  viewer: Viewer | null,
  input: PublishInput & { idempotencyKey?: string | null },
): Promise<EventRecord> {
  const checked = checkEventInput(services, input);
  const key = checkIdempotencyKey(input.idempotencyKey);
  const access = await requireOrgAccess(services.store, viewer, input.orgId, 'MEMBER', 'publish events', {
    apiKeys: true,
  });
  await checkMayPublish(services, access, input.orgId, input.channel);
  const v = access.viewer;
  const [outcome] = await appendAndPublish(services, {
    orgId: input.orgId,
    events: [{ ...eventFieldsOf(input), ...checked, actor: actorOf(v) }],
    idempotencyKeys: [key],
    payer: payerOf(v),
  });
  if (!outcome) throw new Error('publishEvent appended nothing');
  if (!outcome.duplicate) return outcome.event;
  const { seq, id } = outcome.original;
  const [original] = await repo.listEvents(services.store.db, { orgId: input.orgId, afterSeq: seq - 1, limit: 1 });
  if (original?.id !== id) throw new Error(`the event of idempotency key at ${input.orgId}/${seq} is gone`);
  return original;
}

/** The parts of a client's event that are stored as given. */
export const eventFieldsOf = (input: PublishInput) => ({
  orgId: input.orgId,
  channel: input.channel,
  type: input.type,
  subjectId: input.subjectId ?? null,
});

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
  /** Where reading (or the live stream) continues, when it is not the last event's cursor (`last`). */
  endCursor?: string;
}

/** A page of stored history; its payloads are reserved from the operation's budget before they are read. */
export async function listEventHistory(
  services: Services,
  viewer: Viewer | null,
  args: EventsArgs & HistoryWindow & { first?: number | null; last?: number | null },
  budget: ResponseBudget,
): Promise<EventPage> {
  const access = await requireOrgAccess(services.store, viewer, args.orgId, 'VIEWER', 'read its events');
  const newest = args.last !== undefined && args.last !== null;
  if (newest && (args.first != null || args.after != null))
    throw badInput('last reads the newest events: give it without first and after.');
  if (args.before != null && !newest) throw badInput('before pages back: give it with last.');
  const window = historyWindow(args);
  const limit = newest ? (args.last as number) : (args.first ?? 50);
  if (limit < 1 || limit > services.limits.maxPageSize)
    throw badInput(`${newest ? 'last' : 'first'} must be between 1 and ${services.limits.maxPageSize}.`);
  const afterSeq = args.after ? parseCursorFor(args.orgId, args.after, 'after') : 0;
  const beforeSeq = args.before ? parseCursorFor(args.orgId, args.before, 'before') : undefined;
  const hiddenChannels = await hiddenChannelsFor(services, access, args.orgId, args.channels);
  const refused = await authorizeGuarded(services, access, args);
  if (refused) throw refused;
  // Read before the page: whatever is appended meanwhile is in the page or after this position, never skipped.
  const position = newest ? ((await repo.logBounds(services.store.db, args.orgId))?.lastSeq ?? 0) : 0;
  const page = await repo.listEventPage(
    services.store.db,
    {
      orgId: args.orgId,
      channels: args.channels,
      types: args.types,
      subjectIds: args.subjectIds,
      ...window,
      afterSeq,
      beforeSeq,
      limit,
      newest,
      ...readerOf(access),
      hiddenChannels,
    },
    (bytes, count) => budget.reserve(bytes, `the ${count} events asked for`),
  );
  // Paging back, or a window that ends in the past: the page's own last event is where reading continues.
  if (!newest || beforeSeq !== undefined || window.until !== undefined) return page;
  const end = Math.max(position, page.events.at(-1)?.seq ?? 0);
  return { ...page, endCursor: encodeCursor(args.orgId, end) };
}

/** Parses a cursor of this organization; anything else is the client's mistake. */
function parseCursorFor(orgId: string, cursor: string, arg: 'after' | 'before'): number {
  const decoded = decodeCursor(cursor);
  if (!decoded) throw badInput(`${arg} is not a cursor issued by this server.`);
  if (decoded.orgId !== orgId) throw badInput(`${arg} is a cursor of another organization.`);
  return decoded.seq;
}

/** Where in time, and before which cursor, a page of history is read (the console's inspector). */
export interface HistoryWindow {
  before?: string | null;
  since?: Date | null;
  until?: Date | null;
}

function historyWindow(args: HistoryWindow): { since?: number; until?: number } {
  const since = args.since?.getTime();
  const until = args.until?.getTime();
  if (since !== undefined && until !== undefined && since > until) throw badInput('since must not be after until.');
  return { since, until };
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
  transport: SubscriberTransport = 'sse',
): Promise<EventStream> {
  const access = await requireOrgAccess(services.store, viewer, args.orgId, 'VIEWER', 'subscribe to its events');
  const v = access.viewer;
  const stream = await openEventStream(services, access, args, guard);
  // Registered now, so a later removal or rule reaches it through the feed; an earlier one is caught here.
  if (!(await isStillMember(services.store, v, args.orgId))) {
    stream.close();
    throw noLongerMember(args.orgId);
  }
  const refused = stream.unreadableChannel() ?? (await authorizeGuarded(services, access, args, stream.grants));
  if (refused) {
    stream.close();
    throw refused;
  }
  const release = holdPresence(services, args.orgId, v);
  stream.whenEnded(release);
  // Listed for the console, which may end it (endSessions).
  const unlist = services.subscribers.add(
    {
      orgId: args.orgId,
      userId: v.userId,
      transport,
      channels: args.channels ?? [],
      types: args.types ?? [],
      subjectIds: args.subjectIds ?? [],
    },
    (error) => stream.fail(error),
  );
  stream.whenEnded(unlist);
  return stream;
}

/**
 * Whose private events a reader sees: those naming them, or (members) their current role. A service is a
 * reader like any other: it sees a private event only when the audience names its `sub`.
 */
const readerOf = ({ viewer, membership }: OrgAccess) => ({ viewerId: viewer.userId, viewerRole: membership?.role });

async function openEventStream(
  services: Services,
  access: OrgAccess,
  args: EventsArgs,
  guard?: StreamGuard,
): Promise<EventStream> {
  const filter = createFilter({ ...args, ...readerOf(access) });
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
