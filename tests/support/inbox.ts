/** A queue that never misses an item: pushes are kept until a test takes them. */
export class Inbox<T> {
  readonly items: T[] = [];
  private taken = 0;
  private waiters: Array<() => void> = [];
  private listeners: Array<(item: T) => void> = [];

  push(item: T): void {
    this.items.push(item);
    for (const l of this.listeners) l(item);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Calls `listener` for every item pushed from now on. */
  listen(listener: (item: T) => void): void {
    this.listeners.push(listener);
  }

  /** The next item not yet taken; fails with `what` after `timeoutMs`. */
  async next(what = 'an item', timeoutMs = 5_000): Promise<T> {
    const [item] = await this.take(1, what, timeoutMs);
    return item as T;
  }

  async take(n: number, what = `${n} items`, timeoutMs = 5_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length - this.taken < n) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}: have ${this.items.length - this.taken} of ${n}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.items.slice(this.taken, this.taken + n);
    this.taken += n;
    return out;
  }

  /** Items arrived and not yet taken. */
  get pending(): number {
    return this.items.length - this.taken;
  }
}

/** Waits for a condition that has no event of its own (e.g. a subscription registered on the server). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
