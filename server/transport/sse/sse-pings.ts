/** Something that sends a keep-alive comment when asked (an open event stream). */
export interface Pingable {
  ping(): void;
}

/** One timer for every open stream's keep-alive comment, not one each: idle streams should hold little. */
export class SsePings {
  private readonly streams = new Set<Pingable>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly everyMs: number) {}

  add(stream: Pingable): void {
    this.streams.add(stream);
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const s of this.streams) s.ping();
    }, this.everyMs);
    this.timer.unref();
  }

  delete(stream: Pingable): void {
    this.streams.delete(stream);
    if (this.streams.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.streams.size;
  }
}
