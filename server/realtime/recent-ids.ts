import type { EventRecord } from '../store/types.js';

/**
 * How many of the last delivered sequence numbers a feed remembers the event of. A rewind deeper than this
 * is still found: by the periodic position check (the log's end is behind the feed), or as soon as the
 * reused numbers reach this window.
 */
export const RECENT_IDS = 64;

/**
 * The ids of an organization's last delivered events, by sequence, as 32-bit hashes in a fixed ring: what
 * an arrival that reuses a delivered sequence number is compared with. Allocated at the first delivery:
 * about 500 bytes with the typed array's own objects (measured: 5 MB for 10,000 organizations with traffic;
 * the ids themselves as strings would be about 10 KB each), nothing for idle ones.
 */
export class RecentIds {
  private hashes: Uint32Array | undefined;
  /** The feed's position: the highest sequence recorded, or where it started or skipped to. */
  private top = 0;
  /** Lowest sequence of the unbroken run of records that ends at `top`; above `top` when none. */
  private from = 1;

  /** The feed is at `seq` with nothing delivered since (its start, a jump over pruned events). */
  reset(seq: number): void {
    this.top = seq;
    this.from = seq + 1;
  }

  record(seq: number, id: string): void {
    this.hashes ??= new Uint32Array(RECENT_IDS);
    if (seq !== this.top + 1) this.from = seq;
    this.top = seq;
    this.hashes[seq % RECENT_IDS] = hashId(id);
  }

  /** Lowest sequence whose event is known. */
  lowest(): number {
    return Math.max(this.from, this.top - RECENT_IDS + 1);
  }

  /** True when `seq` is known and was another event than `id`; unknown sequences never differ. */
  differs(seq: number, id: string): boolean {
    if (!this.hashes || seq > this.top || seq < this.lowest()) return false;
    return this.hashes[seq % RECENT_IDS] !== hashId(id);
  }

  /**
   * Up to which sequence the log (`stored`: its events from `lowest()` on, in order; `lastSeq`: its end)
   * still holds the events recorded here: the first known sequence it lacks or holds another event at,
   * minus one. Where nothing known can be compared, the lower of the log's end and `top`.
   */
  agreedUpTo(stored: readonly EventRecord[], lastSeq: number): number {
    const end = Math.min(this.top, lastSeq);
    const bySeq = new Map(stored.map((e) => [e.seq, e.id]));
    for (let seq = this.lowest(); seq <= end; seq++) {
      const id = bySeq.get(seq);
      if (id === undefined || this.differs(seq, id)) return seq - 1;
    }
    return end;
  }

  /** The log went back to `seq`: what was recorded above it is forgotten (its slots are reused from `seq + 1`). */
  rewind(seq: number): void {
    const lowest = this.lowest();
    this.top = seq;
    this.from = lowest <= seq ? lowest : seq + 1;
  }
}

/** FNV-1a over the id's UTF-16 code units. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
