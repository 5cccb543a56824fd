import type { ExecutionResult } from 'graphql';
import { type TransportName, connect } from './clients.js';
import { SUBSCRIBE_EVENTS } from './fixtures.js';
import type { TestServer } from './server.js';

type Target = Pick<TestServer, 'url' | 'graphqlUrl' | 'wsUrl'>;

/**
 * What a well-behaved app does: keep the last cursor, and when the connection drops, subscribe again
 * (to the next instance in the list) with `after` set to it. Records every event it receives.
 */
export class ResumingSubscriber {
  readonly sequences: number[] = [];
  readonly errors: unknown[] = [];
  resumes = 0;
  private cursor: string | undefined;
  private target = 0;
  private stopped = false;
  private current: { dispose(): Promise<void> } | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly transport: TransportName,
    private readonly targets: Target[],
    private readonly token: string,
    private readonly variables: Record<string, unknown>,
  ) {
    this.cursor = variables.after as string | undefined;
    this.open();
  }

  private open(): void {
    if (this.stopped) return;
    const server = this.targets[this.target % this.targets.length]!;
    const client = connect(this.transport, server as TestServer, this.token);
    this.current = client;
    const sub = client.subscribe(SUBSCRIBE_EVENTS, { ...this.variables, after: this.cursor });
    sub.results.listen((r: ExecutionResult<any>) => {
      const e = r.data?.events;
      if (!e) return this.errors.push(r.errors);
      this.sequences.push(e.sequence);
      this.cursor = e.cursor;
      for (const w of this.waiters.splice(0)) w();
    });
    void sub.ended.then(async ({ error }) => {
      if (this.stopped) return;
      if (error) this.errors.push(error);
      await client.dispose().catch(() => {});
      this.resumes++;
      // Move on to the next instance, as a load balancer would after a failure.
      this.target++;
      setTimeout(() => this.open(), 50);
    });
  }

  /** Resolves once `count` events arrived (or rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sequences.length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${this.transport} subscriber has ${this.sequences.length} of ${count} events after ${timeoutMs} ms (${this.resumes} resumes; last ${this.sequences.slice(-5).join(',')}); errors: ${JSON.stringify(this.errors.slice(-3))}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.dispose();
  }
}
