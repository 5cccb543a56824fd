import { type AppendOutcome, type AppendRequest, appendRequests } from './idempotency.js';
import type { Store } from './store.js';
import type { EventRecord } from './types.js';

interface Pending {
  request: AppendRequest;
  resolve(outcomes: AppendOutcome[]): void;
  reject(err: unknown): void;
}

/** Events one transaction of one organization may append (a larger caller goes alone). */
const MAX_BATCH = 1_000;

/**
 * Group commit: appends to one organization that arrive while its previous commit is running are committed
 * together, in one transaction (one bump of its sequence, multi-row inserts), then published in sequence order
 * and only then answered. The per-organization order, durability before publish, the no-hole guarantee and
 * idempotency are those of a single append; what changes is the cost per event under load (one transaction
 * for many callers). Each caller is admitted or refused on its own (its budget); a failed transaction fails
 * every caller in it, and nothing of it is stored or published. Each organization has its own queue: a slow
 * one (a lock held elsewhere, a large batch) holds no other.
 */
export class GroupCommit {
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly store: Store,
    /** After the commit, before the callers hear of it: the bus publish of the new events, in sequence order. */
    private readonly onCommitted: (events: readonly EventRecord[]) => void,
  ) {}

  /** Appends one caller's events of `orgId` (see appendRequests); resolves with their outcomes, in order. */
  append(orgId: string, request: AppendRequest): Promise<AppendOutcome[]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(orgId);
      if (queue) return void queue.push({ request, resolve, reject });
      this.queues.set(orgId, [{ request, resolve, reject }]);
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
        const results = await this.store.transaction((tx) =>
          appendRequests(
            tx,
            orgId,
            batch.map((p) => p.request),
          ),
        );
        this.onCommitted(
          results.flatMap((r) => (r.ok ? r.outcomes.flatMap((o) => (o.duplicate ? [] : [o.event])) : [])),
        );
        results.forEach((r, i) => {
          const p = batch[i] as Pending;
          if (r.ok) p.resolve(r.outcomes);
          else p.reject(r.error);
        });
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.queues.delete(orgId);
  }
}

/** Callers from the head of the queue, whole, up to MAX_BATCH events. */
function takeBatch(queue: Pending[]): Pending[] {
  let events = 0;
  let n = 0;
  while (n < queue.length && (n === 0 || events + (queue[n] as Pending).request.events.length <= MAX_BATCH)) {
    events += (queue[n] as Pending).request.events.length;
    n++;
  }
  return queue.splice(0, n);
}
