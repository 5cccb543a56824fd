import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { upsertUser } from '../store/repository.js';

/**
 * Records the display name a user's token carries, once per change, off the request path:
 * users need no sign-up, and a member added before first connecting gets their name when they come.
 */
export function createNameRecorder(services: Services): (viewer: Viewer) => void {
  const known = new Map<string, string | null>();
  return (viewer) => {
    if (viewer.isService || (known.has(viewer.userId) && known.get(viewer.userId) === viewer.name)) return;
    if (known.size > 50_000) known.clear();
    known.set(viewer.userId, viewer.name);
    upsertUser(services.store.db, viewer.userId, viewer.name).catch((err: unknown) => {
      known.delete(viewer.userId);
      services.log.warn({ err }, 'could not record user name');
    });
  };
}
