/**
 * Token buckets per key, in this instance's memory: `rate` per second, bursts up to `burst`.
 * Idle buckets are forgotten so the map stays small.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}

  /**
   * Takes `cost` tokens (one by default) or none; returns 0 when allowed, else the milliseconds until that many
   * are there. A cost above the burst never passes: callers keep their costs within it.
   */
  take(key: string, now = Date.now(), cost = 1): number {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (this.buckets.size > 100_000) this.sweep(now);
    this.buckets.set(key, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - b.tokens) / this.rate) * 1000);
  }

  private sweep(now: number): void {
    const full = (this.burst / this.rate) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at > full) this.buckets.delete(key);
  }
}
