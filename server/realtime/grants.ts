/** Answers one feed keeps, per instance; forgetting only costs a call to the app. */
const MAX_GRANTS = 10_000;

const keyOf = (userId: string, channel: string, subjectId: string | null) =>
  `${userId}\u0000${channel}\u0000${subjectId ?? ''}`;

/**
 * The app's answers (subscribe hook) about who may read which guarded channel or subject of one organization,
 * kept by its feed for their TTL. A revocation, in log order, removes them and makes answers to calls that were
 * in flight meanwhile count for nothing (`generation`).
 */
export class Grants {
  private readonly entries = new Map<string, { allow: boolean; until: number }>();
  /** Bumped by every revocation: an answer asked for before it is not kept. */
  generation = 0;

  get(userId: string, channel: string, subjectId: string | null): boolean | undefined {
    const key = keyOf(userId, channel, subjectId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.allow;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps an answer asked for at `generation`, unless a revocation came since. */
  set(
    q: { userId: string; channel: string; subjectId: string | null },
    allow: boolean,
    ttlMs: number,
    generation: number,
  ) {
    if (generation !== this.generation) return;
    if (this.entries.size >= MAX_GRANTS) this.entries.clear();
    this.entries.set(keyOf(q.userId, q.channel, q.subjectId), { allow, until: Date.now() + ttlMs });
  }

  /**
   * Forgets the user's answers for the channel: for one subject (and any for the whole channel), or for every
   * subject when `subjectId` is null.
   */
  revoke(userId: string, channel: string, subjectId: string | null): void {
    this.generation++;
    const whole = keyOf(userId, channel, null);
    if (subjectId !== null) {
      this.entries.delete(keyOf(userId, channel, subjectId));
      this.entries.delete(whole);
      return;
    }
    for (const key of this.entries.keys()) if (key.startsWith(whole)) this.entries.delete(key);
  }
}
