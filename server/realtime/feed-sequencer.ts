import type { EventRecord } from '../store/types.js';
import { RecentIds } from './recent-ids.js';

export interface FeedLog {
  /** Highest sequence appended in the organization. */
  lastSeq(orgId: string): Promise<number>;
  /** Up to `limit` events after `afterSeq`, unfiltered, in order. */
  after(orgId: string, afterSeq: number, limit: number): Promise<EventRecord[]>;
}

/** What the sequencer hands on, in log order. */
export interface SequencerOutput {
  /** The next event of the log, exactly once. */
  deliver(event: EventRecord): void;
  /** The log went back from `fromSeq` to `toSeq`: what follows starts after `toSeq`, reused numbers included. */
  rewound(fromSeq: number, toSeq: number): void;
  onGapFilled?(count: number): void;
  onError(err: unknown, context: string): void;
}

const FILL_PAGE = 500;
/** Out-of-order arrivals held while a gap is filled; beyond this they are dropped and re-read from the log. */
const MAX_PENDING = 10_000;

/**
 * Turns one organization's pub/sub messages (at-most-once, possibly out of order or repeated) into its log,
 * in order, exactly once: it holds what arrives ahead of a hole, reads the hole from the durable log, and
 * drops what it already delivered.
 *
 * It also notices the log going back under it (a database restored from a backup: sequence numbers it
 * delivered now name other events, or do not exist yet), which dropping every arrival at or below its
 * position would turn into silent loss. Two signs: an arrival reusing a recently delivered number with
 * another event id (see RecentIds), and the position check finding the log's end behind it. Either is
 * confirmed against the log; it then moves back to where the log still agrees with what it delivered,
 * says so (`rewound`), and reads the reused numbers.
 */
export class FeedSequencer {
  /** Highest sequence delivered; -1 until the start position is read. */
  private deliveredSeq = -1;
  private starting: Promise<void> | undefined;
  private readonly pending = new Map<number, EventRecord>();
  private readonly recent = new RecentIds();
  /** A sign of a rewind was seen: the next log read confirms or dismisses it first. */
  private rewindSuspected = false;
  /** Log reads (gap fills, rewind checks) one at a time; nothing is delivered from pub/sub meanwhile. */
  private filling = false;
  private closed = false;

  constructor(
    private readonly orgId: string,
    private readonly log: FeedLog,
    private readonly out: SequencerOutput,
  ) {}

  /** The highest sequence delivered (-1 before the start). */
  get position(): number {
    return this.deliveredSeq;
  }

  /** Resolves once the start position is known; after a failure, the next call tries again. */
  started(): Promise<void> {
    if (this.deliveredSeq >= 0) return Promise.resolve();
    this.starting ??= this.start().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /** An event from pub/sub. */
  receive(event: EventRecord): void {
    if (this.closed) return;
    if (this.deliveredSeq >= 0 && event.seq <= this.deliveredSeq) {
      // A number already delivered, now naming another event: the log went back (a restored backup).
      if (this.recent.differs(event.seq, event.id)) this.suspectRewind();
      return;
    }
    if (this.pending.size >= MAX_PENDING) return;
    this.pending.set(event.seq, event);
    if (this.deliveredSeq >= 0) this.drain();
  }

  /**
   * Whether the log's end, read for all feeds at once, asks nothing of this feed: it has started, delivered
   * up to there, holds nothing behind a hole, and has no read or suspicion under way. Checked synchronously,
   * so that the position check of 10,000 quiet feeds makes no promise each.
   */
  isSettledAt(lastSeq: number | undefined): boolean {
    if (this.closed) return true;
    if (this.deliveredSeq < 0 || this.filling || this.rewindSuspected || this.pending.size > 0) return false;
    return lastSeq === undefined || lastSeq === this.deliveredSeq;
  }

  /**
   * The log's end, read for all feeds at once: ahead of what was delivered and nothing arrived to tell
   * (a lost last event), or behind it (a rewind nothing arrived to show).
   */
  async checkPosition(lastSeq: number | undefined): Promise<void> {
    if (this.closed || this.filling) return;
    try {
      if (this.deliveredSeq < 0) return await this.started(); // the first read failed: try again
      if (lastSeq === undefined) return;
      if (lastSeq < this.deliveredSeq) this.rewindSuspected = true;
      if (this.rewindSuspected || lastSeq > this.deliveredSeq)
        await this.fill(lastSeq > this.deliveredSeq ? lastSeq : undefined);
    } catch (err) {
      this.out.onError(err, `checking the position of ${this.orgId}`);
    }
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
  }

  private async start(): Promise<void> {
    this.deliveredSeq = await this.log.lastSeq(this.orgId);
    this.recent.reset(this.deliveredSeq);
    this.drain();
  }

  private deliver(event: EventRecord): void {
    this.deliveredSeq = event.seq;
    this.recent.record(event.seq, event.id);
    this.out.deliver(event);
  }

  private drain(): void {
    if (this.filling || this.closed) return;
    // Messages that arrived before the start position was read may already be covered by it.
    for (const seq of this.pending.keys()) if (seq <= this.deliveredSeq) this.pending.delete(seq);
    for (;;) {
      const next = this.pending.get(this.deliveredSeq + 1);
      if (!next) break;
      this.pending.delete(next.seq);
      this.deliver(next);
    }
    // Anything still pending is ahead of a hole: read the hole from the log.
    if (this.pending.size > 0) void this.fill();
  }

  private async fill(target?: number): Promise<void> {
    if (this.filling || this.closed) return;
    this.filling = true;
    let filled = 0;
    try {
      for (;;) {
        if (this.rewindSuspected) target = await this.settleRewind(target);
        const upTo = target ?? (this.pending.size > 0 ? Math.min(...this.pending.keys()) - 1 : this.deliveredSeq);
        if (this.closed || this.deliveredSeq >= upTo) break;
        filled += await this.readUpTo(upTo);
        if (target === undefined && this.pending.size === 0) break;
      }
    } catch (err) {
      // No immediate retry (that would hammer a failing database): the position check tries again.
      this.out.onError(err, `filling a gap in ${this.orgId}`);
      return;
    } finally {
      this.filling = false;
    }
    if (filled > 0) this.out.onGapFilled?.(filled);
    if (this.closed) return;
    // A sign of a rewind that came as the loop was ending: checked now, not at the next position check.
    if (this.rewindSuspected) return this.fill();
    this.drain();
  }

  /** One page of the log after the position, up to `upTo`, delivered; returns how many were read. */
  private async readUpTo(upTo: number): Promise<number> {
    const page = await this.log.after(this.orgId, this.deliveredSeq, Math.min(FILL_PAGE, upTo - this.deliveredSeq));
    let read = 0;
    for (const e of page) {
      if (e.seq <= this.deliveredSeq || e.seq > upTo) continue;
      this.pending.delete(e.seq);
      this.deliver(e);
      read++;
    }
    // Retention pruned the hole away: nothing left to read below `upTo`.
    if (page.length === 0) {
      this.deliveredSeq = upTo;
      this.recent.reset(upTo);
    }
    for (const seq of this.pending.keys()) if (seq <= this.deliveredSeq) this.pending.delete(seq);
    return read;
  }

  private suspectRewind(): void {
    this.rewindSuspected = true;
    void this.fill();
  }

  /**
   * Confirms a suspected rewind against the log (inside `fill`, so nothing is delivered meanwhile). On one,
   * moves back. Returns how far to fill: the log's end when it is ahead (the reused numbers, or arrivals
   * dropped as "already delivered" while this ran), else `target`.
   */
  private async settleRewind(target: number | undefined): Promise<number | undefined> {
    this.rewindSuspected = false;
    try {
      const last = await this.log.lastSeq(this.orgId);
      const from = this.recent.lowest();
      const upTo = Math.min(last, this.deliveredSeq);
      const stored = from <= upTo ? await this.log.after(this.orgId, from - 1, upTo - from + 1) : [];
      const agreed = this.recent.agreedUpTo(stored, last);
      if (this.closed) return target;
      if (agreed < this.deliveredSeq) this.rewind(agreed);
      return last > this.deliveredSeq ? Math.max(last, target ?? last) : target;
    } catch (err) {
      this.rewindSuspected = true; // the position check tries again
      throw err;
    }
  }

  private rewind(to: number): void {
    const from = this.deliveredSeq;
    this.deliveredSeq = to;
    this.recent.rewind(to);
    // Held arrivals may belong to the abandoned history: the log is read again from `to`.
    this.pending.clear();
    this.out.rewound(from, to);
  }
}
