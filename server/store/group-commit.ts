import { type AppendOutcome, type AppendRequest, appendRequestsByOrg } from './idempotency.js';
import { type LockMode, lockLogs } from './log-locks.js';
import type { Store } from './store.js';
import type { EventRecord } from './types.js';

interface Pending {
  orgId: string;
  request: AppendRequest;
  resolve(outcomes: AppendOutcome[]): void;
  reject(err: unknown): void;
}

interface Group {
  orgId: string;
  pending: Pending[];
}

/** Events one transaction may append (a larger caller goes alone). */
const MAX_BATCH = 2_000;
/** Organizations committed aside at once, each holding a pooled connection while it waits for its lock. */
const MAX_ASIDE = 4;

/**
 * Group commit: appends that arrive while the previous commit is running are committed together, in one
 * transaction whatever their organizations (one UPDATE for the sequences, then the inserts: see appendToLogs),
 * then published, each organization's in sequence order, and only then answered. Per-organization order,
 * durability before publish, the no-hole guarantee and idempotency are those of a single append; what changes is
 * the cost per event under load (one transaction, a handful of statements, for many callers and organizations).
 *
 * One slow organization does not hold the others: the commit takes only the row locks that are free (another
 * instance may be appending to an organization, on PostgreSQL) and commits those organizations; each of the rest
 * is committed aside, alone, waiting for its lock, while the lane goes on (its later callers wait for it, so its
 * order holds). Each caller is admitted or refused on its own (its budget); a failed transaction is retried one
 * organization at a time, so one organization's failure fails only its callers, and nothing failed is stored.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private flushing = false;
  /** Organizations committed aside or waiting to be: their later callers stay queued until it is done. */
  private readonly aside = new Set<string>();
  private readonly asideQueue: Group[] = [];
  private asideRunning = 0;

  constructor(
    private readonly store: Store,
    /** After the commit, before the callers hear of it: the bus publish of the new events, in sequence order. */
    private readonly onCommitted: (events: readonly EventRecord[]) => void,
  ) {}

  /** Appends one caller's events of `orgId` (see appendRequestsByOrg); resolves with their outcomes, in order. */
  append(orgId: string, request: AppendRequest): Promise<AppendOutcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ orgId, request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || !this.queue.some((p) => !this.aside.has(p.orgId))) return;
    this.flushing = true;
    // Started after this turn's I/O callbacks: the requests that arrived together share the first commit.
    // (A microtask would not do on SQLite: its queries never yield to I/O, so no other request would get in.)
    setImmediate(() => void this.flush());
  }

  /** Commits what is queued, batch after batch, until nothing is left but organizations committed aside. */
  private async flush(): Promise<void> {
    for (let batch = this.takeBatch(); batch.length > 0; batch = this.takeBatch()) {
      const groups = groupByOrganization(batch);
      try {
        this.setAside(await this.commit(groups, 'skip'));
      } catch (err) {
        if (groups.length === 1) (groups[0] as Group).pending.forEach((p) => p.reject(err));
        // One organization's failure (a database error of its own) must not fail the others: each alone.
        else for (const g of groups) this.setAside(await this.commit([g], 'skip').catch(failAll([g])));
      }
    }
    this.flushing = false;
  }

  /** Commits the groups whose locks `mode` gets; returns the others (locked elsewhere, or gone), not committed. */
  private async commit(groups: readonly Group[], mode: LockMode): Promise<Group[]> {
    let ready: Group[] = [];
    const results = await this.store.transaction(async (tx) => {
      const locked = await lockLogs(
        tx,
        groups.map((g) => g.orgId),
        mode,
      );
      ready = groups.filter((g) => locked.has(g.orgId));
      const requests = ready.map((g) => ({ orgId: g.orgId, requests: g.pending.map((p) => p.request) }));
      return appendRequestsByOrg(tx, requests, { locked: true });
    });
    const outcomes = results.flat().flatMap((r) => (r.ok ? r.outcomes : []));
    this.onCommitted(outcomes.flatMap((o) => (o.duplicate ? [] : [o.event])));
    ready.forEach((g, i) =>
      (results[i] ?? []).forEach((r, j) => {
        const p = g.pending[j] as Pending;
        if (r.ok) p.resolve(r.outcomes);
        else p.reject(r.error);
      }),
    );
    return ready.length === groups.length ? [] : groups.filter((g) => !ready.includes(g));
  }

  private setAside(groups: readonly Group[]): void {
    for (const g of groups) this.aside.add(g.orgId);
    this.asideQueue.push(...groups);
    while (this.asideRunning < MAX_ASIDE && this.asideQueue.length > 0) {
      const g = this.asideQueue.shift() as Group;
      this.asideRunning++;
      void this.commit([g], 'wait')
        .catch(failAll([g]))
        .finally(() => {
          this.asideRunning--;
          this.aside.delete(g.orgId);
          this.setAside([]);
          this.schedule();
        });
    }
  }

  /**
   * Callers from the head of the queue, whole and in order, up to MAX_BATCH events (a larger one goes alone);
   * those of organizations set aside stay queued, in order, for a later batch.
   */
  private takeBatch(): Pending[] {
    const taken: Pending[] = [];
    const left: Pending[] = [];
    let events = 0;
    let full = false;
    for (const p of this.queue) {
      const size = p.request.events.length;
      const waits = this.aside.has(p.orgId);
      if (!waits && taken.length > 0 && events + size > MAX_BATCH) full = true;
      if (waits || full) left.push(p);
      else {
        taken.push(p);
        events += size;
      }
    }
    this.queue = left;
    return taken;
  }
}

/** Rejects every caller of the groups with the error. */
function failAll(groups: readonly Group[]) {
  return (err: unknown): Group[] => {
    for (const g of groups) for (const p of g.pending) p.reject(err);
    return [];
  };
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
