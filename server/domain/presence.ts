import { type OrgAccess, isStillMember, requireOrgAccess } from '../auth/access.js';
import type { StreamGuard } from '../auth/session.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { badInput, noLongerMember } from '../errors.js';
import type { PushStream } from '../realtime/push-stream.js';
import type { PresenceUpdate } from '../realtime/presence.js';
import type { TypingState } from '../realtime/typing.js';
import { authorizeGuarded } from './channel-rules.js';

/** The guarded-channel name that makes typing rooms the app's to authorize. */
const TYPING_CHANNEL = 'typing';

/**
 * Presence: a user is online in an organization while they hold at least one subscription of it (events,
 * presence or typing), on any instance; backend services are never shown. Typing: ephemeral per room.
 */
export function holdPresence(services: Services, orgId: string, viewer: Viewer): () => void {
  if (viewer.isService) return () => {};
  return services.presence.hold(orgId, { userId: viewer.userId, name: viewer.name });
}

export async function whoIsOnline(services: Services, viewer: Viewer | null, orgId: string) {
  await requireOrgAccess(services.store, viewer, orgId, 'VIEWER', 'see who is online');
  return services.presence.list(orgId);
}

export async function subscribePresence(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  guard: StreamGuard,
): Promise<PushStream<PresenceUpdate>> {
  const { viewer: v } = await requireOrgAccess(services.store, viewer, orgId, 'VIEWER', 'see who is online');
  return endOnRemoval(services, orgId, v, () => services.presence.subscribe(orgId, guard));
}

export async function setTyping(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  room: string,
  typing: boolean,
): Promise<boolean> {
  const access = await requireOrgAccess(services.store, viewer, orgId, 'MEMBER', 'type in its rooms');
  const v = access.viewer;
  if (v.isService) throw badInput('Services do not type: setTyping is for users.');
  await authorizeTypingRoom(services, access, orgId, room);
  services.typing.set(orgId, room, { userId: v.userId, name: v.name }, typing);
  return true;
}

export async function subscribeTyping(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  room: string,
  guard: StreamGuard,
): Promise<PushStream<TypingState>> {
  const access = await requireOrgAccess(services.store, viewer, orgId, 'VIEWER', "see its rooms' typing");
  const v = access.viewer;
  await authorizeTypingRoom(services, access, orgId, room);
  return endOnRemoval(services, orgId, v, async () => services.typing.subscribe(orgId, room, guard));
}

/**
 * With `typing` among AUTH_GUARDED_CHANNELS, a typing room is a subject the app authorizes like any guarded
 * room (asked on every setTyping and subscription: typing carries no log to keep answers in order with).
 */
async function authorizeTypingRoom(services: Services, access: OrgAccess, orgId: string, room: string) {
  if (!services.hooks?.guardedChannels.has(TYPING_CHANNEL)) return;
  const refused = await authorizeGuarded(services, access, { orgId, channels: [TYPING_CHANNEL], subjectIds: [room] });
  if (refused) throw refused;
}

/**
 * Holds presence for the stream's life and ends the stream with FORBIDDEN if the viewer is removed. The
 * watch starts before the stream and membership is checked again after: a removal in between is not missed.
 */
async function endOnRemoval<T>(
  services: Services,
  orgId: string,
  viewer: Viewer,
  open: () => Promise<PushStream<T>>,
): Promise<PushStream<T>> {
  let stream: PushStream<T> | undefined;
  let removedError: unknown;
  const unwatch = services.bus.watch(orgId, {
    userId: viewer.userId,
    fail: (e) => {
      removedError = e;
      stream?.fail(e);
    },
  });
  const release = holdPresence(services, orgId, viewer);
  const cleanup = () => {
    release();
    unwatch();
  };
  try {
    stream = await open();
  } catch (err) {
    cleanup();
    throw err;
  }
  stream.whenEnded(cleanup);
  if (removedError !== undefined || !(await isStillMember(services.store, viewer, orgId))) {
    stream.fail(removedError ?? noLongerMember(orgId));
  }
  return stream;
}
