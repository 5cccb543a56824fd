/** Events per second over the last `seconds`, in a fixed ring of per-second buckets (no allocation per event). */
export class RollingRate {
  private readonly counts: number[];
  private readonly stamps: number[];

  constructor(private readonly seconds = 10) {
    this.counts = new Array<number>(seconds).fill(0);
    this.stamps = new Array<number>(seconds).fill(0);
  }

  add(now = Date.now()): void {
    const second = Math.floor(now / 1000);
    const i = second % this.seconds;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i]! += 1;
  }

  perSecond(now = Date.now()): number {
    const second = Math.floor(now / 1000);
    let total = 0;
    for (let i = 0; i < this.seconds; i++) if (second - this.stamps[i]! < this.seconds) total += this.counts[i]!;
    return total / this.seconds;
  }
}
