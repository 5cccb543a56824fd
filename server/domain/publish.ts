import type { Services } from '../context.js';
import type { Viewer } from '../auth/viewer.js';
import { appendEvent } from '../store/repository.js';
import type { Db, EventRecord, NewEvent } from '../store/types.js';

export const actorOf = (viewer: Viewer) => ({ id: viewer.userId, name: viewer.name, isService: viewer.isService });

/**
 * Durable first: `write` (optional domain change) and the event append commit together, and only
 * then is the event published. A crash in between loses nothing: feeds repair gaps from the log.
 */
export async function commitAndPublish<T>(
  services: Services,
  write: (tx: Db) => Promise<T>,
  event: (result: T) => NewEvent | undefined,
): Promise<{ result: T; event?: EventRecord }> {
  const committed = await services.store.transaction(async (tx) => {
    const result = await write(tx);
    const input = event(result);
    return { result, event: input ? await appendEvent(tx, input) : undefined };
  });
  if (committed.event) {
    services.bus.publish(committed.event);
    services.metrics.onPublished();
  }
  return committed;
}
