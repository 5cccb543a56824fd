import type { Services } from '../context.js';
import type { Viewer } from '../auth/viewer.js';
import { rateLimited } from '../errors.js';
import { appendEvent } from '../store/repository.js';
import type { Db, EventRecord, NewEvent } from '../store/types.js';

export const actorOf = (viewer: Viewer) => ({ id: viewer.userId, name: viewer.name, isService: viewer.isService });

/**
 * Durable first: `write` (optional domain change) and the event append commit together, and only
 * then is the event published. A crash in between loses nothing: feeds repair gaps from the log.
 * Every event appended for a user takes from their publish budget first (see takePublishToken): over it,
 * RATE_LIMITED and the whole transaction, `write` included, is rolled back.
 */
export async function commitAndPublish<T>(
  services: Services,
  write: (tx: Db) => Promise<T>,
  event: (result: T) => NewEvent | undefined,
): Promise<{ result: T; event?: EventRecord }> {
  const committed = await services.store.transaction(async (tx) => {
    const result = await write(tx);
    const input = event(result);
    if (!input) return { result };
    takePublishToken(services, input);
    return { result, event: await appendEvent(tx, input) };
  });
  if (committed.event) {
    services.bus.publish(committed.event);
    services.metrics.onPublished();
  }
  return committed;
}

/**
 * Appends events of one organization that need no other change with them (a client's publishes), through
 * the group commit (services.appender): committed with whatever else is being appended to the organization,
 * published after the commit, in order. Each takes from its user's publish budget first.
 */
export async function appendAndPublish(
  services: Services,
  orgId: string,
  inputs: readonly NewEvent[],
): Promise<EventRecord[]> {
  for (const input of inputs) takePublishToken(services, input);
  return services.appender.append(orgId, inputs);
}

/**
 * The one publish budget: each event appended for a user (publishEvent, renames, membership changes,
 * notifications, a new organization's `member.join`) takes a token per user and organization, so no
 * mutation is a way around the limit. Events of services (and of the server itself) are exempt.
 */
function takePublishToken(services: Services, event: NewEvent): void {
  if (event.actor.isService) return;
  const wait = services.publishRate.take(`${event.actor.id}\u0000${event.orgId}`);
  if (wait > 0) {
    throw rateLimited(
      `Too many changes in organization "${event.orgId}": published events, renames, membership changes and notifications share one budget per user. Slow down and retry in ${wait} ms.`,
      { retryAfterMs: wait },
    );
  }
}
