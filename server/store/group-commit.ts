import { appendEvents } from './event-log.js';
import type { Store } from './store.js';
import type { EventRecord, NewEvent } from './types.js';

interface Pending {
  inputs: readonly NewEvent[];
  resolve(events: EventRecord[]): void;
  reject(err: unknown): void;
}

/** Events a single transaction of one organization may append. */
const MAX_BATCH = 1_000;

/**
 * Group commit: appends to one organization that arrive while its previous commit is running are committed
 * together, in one transaction (one bump of its sequence, multi-row inserts), then published in sequence order
 * and only then answered. The per-organization order, durability before publish and the no-hole guarantee are
 * those of a single append; what changes is the cost per event under load (one transaction for many callers).
 * Each organization has its own queue: a slow one (a lock held elsewhere, a large batch) holds no other.
 * A caller's events stay together and in their order; a failed transaction fails every caller in it, and no
 * event of it is stored or published.
 */
export class GroupCommit {
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly store: Store,
    /** After the commit, before the callers hear of it: the bus publish, in sequence order. */
    private readonly onCommitted: (events: readonly EventRecord[]) => void,
  ) {}

  /** Appends `inputs` (one organization's) and publishes them; resolves with the stored events, in order. */
  append(orgId: string, inputs: readonly NewEvent[]): Promise<EventRecord[]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(orgId);
      if (queue) return void queue.push({ inputs, resolve, reject });
      this.queues.set(orgId, [{ inputs, resolve, reject }]);
      // Started after this turn's I/O callbacks: the requests that arrived together share the first commit.
      // (A microtask would not do on SQLite: its queries never yield to I/O, so no other request would get in.)
      setImmediate(() => void this.flush(orgId));
    });
  }

  /** Commits what is queued for `orgId`, batch after batch, until nothing is left. */
  private async flush(orgId: string): Promise<void> {
    const queue = this.queues.get(orgId) as Pending[];
    while (queue.length > 0) {
      const batch = takeBatch(queue);
      try {
        const events = await this.store.transaction((tx) =>
          appendEvents(
            tx,
            orgId,
            batch.flatMap((p) => p.inputs),
          ),
        );
        this.onCommitted(events);
        let at = 0;
        for (const p of batch) {
          p.resolve(events.slice(at, at + p.inputs.length));
          at += p.inputs.length;
        }
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.queues.delete(orgId);
  }
}

/** Callers from the head of the queue, whole, up to MAX_BATCH events (a larger caller goes alone). */
function takeBatch(queue: Pending[]): Pending[] {
  let events = 0;
  let n = 0;
  while (n < queue.length && (n === 0 || events + (queue[n] as Pending).inputs.length <= MAX_BATCH)) {
    events += (queue[n] as Pending).inputs.length;
    n++;
  }
  return queue.splice(0, n);
}
