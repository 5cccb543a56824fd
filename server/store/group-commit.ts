import { type AppendOutcome, type AppendRequest, appendRequestsByOrg } from './idempotency.js';
import type { Store } from './store.js';
import type { EventRecord } from './types.js';

interface Pending {
  orgId: string;
  request: AppendRequest;
  resolve(outcomes: AppendOutcome[]): void;
  reject(err: unknown): void;
}

/** Events one transaction may append (a larger caller goes alone). */
const MAX_BATCH = 2_000;

/**
 * Group commit: appends that arrive while the previous commit is running are committed together, in one
 * transaction whatever their organizations (one UPDATE for the sequences, multi-row INSERTs: see appendToLogs),
 * then published, each organization's in sequence order, and only then answered. Per-organization order,
 * durability before publish, the no-hole guarantee and idempotency are those of a single append; what changes is
 * the cost per event under load (one transaction, a handful of statements, for many callers and organizations).
 * Each caller is admitted or refused on its own (its budget); a failed transaction fails every caller in it, and
 * nothing of it is stored or published. Organizations are locked in id order, so concurrent commits (two
 * instances) never deadlock; a commit waits only while another transaction holds one of its organizations.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly store: Store,
    /** After the commit, before the callers hear of it: the bus publish of the new events, in sequence order. */
    private readonly onCommitted: (events: readonly EventRecord[]) => void,
  ) {}

  /** Appends one caller's events of `orgId` (see appendRequestsByOrg); resolves with their outcomes, in order. */
  append(orgId: string, request: AppendRequest): Promise<AppendOutcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ orgId, request, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // Started after this turn's I/O callbacks: the requests that arrived together share the first commit.
      // (A microtask would not do on SQLite: its queries never yield to I/O, so no other request would get in.)
      setImmediate(() => void this.flush());
    });
  }

  /** Commits what is queued, batch after batch, until nothing is left. */
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const groups = groupByOrganization(takeBatch(this.queue));
      try {
        await this.commit(groups);
      } catch (err) {
        if (groups.length === 1) for (const p of (groups[0] as Group).pending) p.reject(err);
        // One organization's failure (a database error of its own) must not fail the others: each alone.
        else
          for (const g of groups) await this.commit([g]).catch((e: unknown) => g.pending.forEach((p) => p.reject(e)));
      }
    }
    this.flushing = false;
  }

  private async commit(groups: readonly Group[]): Promise<void> {
    const results = await this.store.transaction((tx) =>
      appendRequestsByOrg(
        tx,
        groups.map((g) => ({ orgId: g.orgId, requests: g.pending.map((p) => p.request) })),
      ),
    );
    const outcomes = results.flat().flatMap((r) => (r.ok ? r.outcomes : []));
    this.onCommitted(outcomes.flatMap((o) => (o.duplicate ? [] : [o.event])));
    groups.forEach((g, i) =>
      (results[i] ?? []).forEach((r, j) => {
        const p = g.pending[j] as Pending;
        if (r.ok) p.resolve(r.outcomes);
        else p.reject(r.error);
      }),
    );
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

interface Group {
  orgId: string;
  pending: Pending[];
}

function groupByOrganization(batch: readonly Pending[]): Group[] {
  const byOrg = new Map<string, Pending[]>();
  for (const p of batch) {
    const list = byOrg.get(p.orgId);
    if (list) list.push(p);
    else byOrg.set(p.orgId, [p]);
  }
  return [...byOrg].map(([orgId, pending]) => ({ orgId, pending }));
}
