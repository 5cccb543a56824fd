import { type DeliverySettings, type Pending, deliver } from './deliver.js';
import { PublishError, type Published, type PublisherEvent, type PublisherOptions } from './types.js';

export interface Publisher {
  /**
   * Queues one event; it leaves with others in one request (at most `maxBatchEvents`, `maxBatchBytes`, after
   * `lingerMs`). Resolves with its place in the log once committed; rejects with a PublishError when the server
   * refuses it or every attempt failed. Events leave in the order they were queued, one request at a time.
   */
  publish(event: PublisherEvent): Promise<Published>;
  /** Sends what is queued now; resolves when everything queued so far is settled. */
  flush(): Promise<void>;
  /** Flushes, then refuses new events (CLOSED). */
  close(): Promise<void>;
}

/** The JSON around the events of a request: `{"events":[…]}`. */
const ENVELOPE_BYTES = 13;

/** A publisher for one Switchboard server (docs/publishing.md). */
export function createPublisher(options: PublisherOptions): Publisher {
  const maxEvents = Math.min(options.maxBatchEvents ?? 500, 1_000);
  const maxBytes = options.maxBatchBytes ?? 512 * 1024;
  const lingerMs = options.lingerMs ?? 20;
  const newKey = options.newIdempotencyKey ?? (() => crypto.randomUUID());
  const credential = options.credential;
  const settings: DeliverySettings = {
    endpoint: `${options.url.replace(/\/+$/, '')}/v1/events`,
    credential: typeof credential === 'function' ? credential : () => credential,
    maxAttempts: options.maxAttempts ?? 10,
    initialBackoffMs: options.backoff?.initialMs ?? 100,
    maxBackoffMs: options.backoff?.maxMs ?? 10_000,
    timeoutMs: options.timeoutMs ?? 10_000,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
  const encoder = new TextEncoder();
  let queued: Pending[] = [];
  let queuedBytes = ENVELOPE_BYTES;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> = Promise.resolve();
  let closed = false;

  /** Hands the queued events to the sender, behind the batches before them. */
  function cut(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    queuedBytes = ENVELOPE_BYTES;
    sending = sending
      .then(() => deliver(settings, batch))
      .catch((err: unknown) => {
        // Never expected (deliver settles every event itself); a rejected chain would stall every later batch.
        for (const p of batch) p.reject(new PublishError('INTERNAL', `publisher failed: ${(err as Error).message}`));
      });
  }

  function publish(event: PublisherEvent): Promise<Published> {
    if (closed) return Promise.reject(new PublishError('CLOSED', 'This publisher is closed.'));
    const wire = { ...event, idempotencyKey: event.idempotencyKey ?? newKey() };
    const bytes = encoder.encode(JSON.stringify(wire)).length + 1;
    if (ENVELOPE_BYTES + bytes > maxBytes) {
      const message = `The event is ${bytes} bytes as JSON; one request carries at most ${maxBytes}.`;
      return Promise.reject(new PublishError('BAD_USER_INPUT', message));
    }
    return new Promise<Published>((resolve, reject) => {
      if (queuedBytes + bytes > maxBytes) cut();
      queued.push({ event: wire, resolve, reject });
      queuedBytes += bytes;
      if (queued.length >= maxEvents) cut();
      else timer ??= setTimeout(cut, lingerMs);
    });
  }

  async function flush(): Promise<void> {
    cut();
    await sending;
  }

  return {
    publish,
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}
