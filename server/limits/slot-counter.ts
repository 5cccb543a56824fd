/** Counts held slots per key; `acquire` refuses past the limit. */
export class SlotCounter<K> {
  private readonly held = new Map<K, number>();
  constructor(readonly limit: number) {}

  acquire(key: K): boolean {
    const n = this.held.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.held.set(key, n + 1);
    return true;
  }

  release(key: K): void {
    const n = (this.held.get(key) ?? 0) - 1;
    if (n <= 0) this.held.delete(key);
    else this.held.set(key, n);
  }
}
