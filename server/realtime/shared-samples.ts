/**
 * One sampler per key on this instance, shared by everyone watching that key: the console's live figures
 * (Subscription.liveStats) ask every instance once a second per organization watched here (or once for the
 * whole server), however many people watch it. Without the sharing each watcher's own timer sent its own
 * question to every instance, and every instance answered each one.
 *
 * A key's timer runs while it has watchers. A new watcher of a running key gets the latest sample at once
 * (at most one period old) and the next ones with the others.
 */
export interface SampleWatcher<S> {
  onSample(sample: S): void;
  onError(err: unknown): void;
}

interface Sampler<K, S> {
  key: K;
  watchers: Set<SampleWatcher<S>>;
  timer: ReturnType<typeof setInterval>;
  latest?: S;
  busy: boolean;
}

export class SharedSamples<K, S> {
  private readonly samplers = new Map<K, Sampler<K, S>>();

  constructor(
    private readonly take: (key: K) => Promise<S>,
    private readonly everyMs: number,
  ) {}

  /** Delivers `key`'s samples to `watcher` until the returned function is called. */
  watch(key: K, watcher: SampleWatcher<S>): () => void {
    let sampler = this.samplers.get(key);
    const fresh = !sampler;
    if (!sampler) {
      const created: Sampler<K, S> = {
        key,
        watchers: new Set(),
        timer: setInterval(() => void this.sample(created), this.everyMs),
        busy: false,
      };
      created.timer.unref();
      this.samplers.set(key, (sampler = created));
    }
    const owner = sampler;
    owner.watchers.add(watcher);
    if (fresh) void this.sample(owner);
    else if (owner.latest !== undefined) watcher.onSample(owner.latest);
    return () => {
      owner.watchers.delete(watcher);
      if (owner.watchers.size > 0 || this.samplers.get(key) !== owner) return;
      clearInterval(owner.timer);
      this.samplers.delete(key);
    };
  }

  /** Keys sampled now: a sampler stops with its last watcher (tests read it). */
  get size(): number {
    return this.samplers.size;
  }

  private async sample(sampler: Sampler<K, S>): Promise<void> {
    // A slow round (an instance not answering) is not overlapped by the next tick.
    if (sampler.busy) return;
    sampler.busy = true;
    try {
      const sample = await this.take(sampler.key);
      sampler.latest = sample;
      for (const watcher of [...sampler.watchers]) watcher.onSample(sample);
    } catch (err) {
      for (const watcher of [...sampler.watchers]) watcher.onError(err);
    } finally {
      sampler.busy = false;
    }
  }
}
