/** What one instance did in its last whole second: the console's live charts read it (Subscription.liveStats). */
export interface SecondFigures {
  published: number;
  delivered: number;
  cutoffs: number;
  gapFills: number;
  /** Commit → hand-over to the last local subscriber, of the events fanned out in that second; null without any. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

/** Latency samples kept per second: beyond this, every sample replaces a random one (a fair sample, bounded memory). */
const MAX_SAMPLES = 2_000;

/**
 * Counters that a one-second timer turns into per-second figures. The hot path only adds to integers (and
 * one sample per event and instance for latency); the sums, sorting and rates happen once a second.
 */
export class LiveWindow {
  private totals = { published: 0, delivered: 0, cutoffs: 0, gapFills: 0 };
  private atLastTick = { ...this.totals };
  private samples: number[] = [];
  private seen = 0;
  private last: SecondFigures = { ...this.totals, latencyP50Ms: null, latencyP99Ms: null };
  private readonly timer: NodeJS.Timeout;

  /** `deliveredEver`: the deliveries counted elsewhere (Metrics), read once a second instead of counted twice. */
  constructor(private readonly deliveredEver: () => number) {
    this.timer = setInterval(() => this.tick(), 1_000);
    this.timer.unref();
  }

  published(count = 1): void {
    this.totals.published += count;
  }
  cutoff(): void {
    this.totals.cutoffs++;
  }
  gapFilled(count: number): void {
    this.totals.gapFills += count;
  }
  latency(ms: number): void {
    this.seen++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms);
    else {
      const i = Math.floor(Math.random() * this.seen);
      if (i < MAX_SAMPLES) this.samples[i] = ms;
    }
  }

  lastSecond(): SecondFigures {
    return this.last;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    this.totals.delivered = this.deliveredEver();
    const t = this.totals;
    const p = this.atLastTick;
    const sorted = this.samples.sort((a, b) => a - b);
    this.last = {
      published: t.published - p.published,
      delivered: t.delivered - p.delivered,
      cutoffs: t.cutoffs - p.cutoffs,
      gapFills: t.gapFills - p.gapFills,
      latencyP50Ms: quantile(sorted, 0.5),
      latencyP99Ms: quantile(sorted, 0.99),
    };
    this.atLastTick = { ...t };
    this.samples = [];
    this.seen = 0;
  }
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
