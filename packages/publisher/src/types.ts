/** One event to publish, as `POST /v1/events` takes it. */
export interface PublisherEvent {
  orgId: string;
  channel: string;
  type: string;
  subjectId?: string | null;
  payload?: unknown;
  /** Only these users and the members of these (exact) roles receive the event; absent: every member. */
  audience?: { userIds?: string[]; roles?: Array<'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER'> };
  /**
   * Names the event within its organization: a retry with the same key publishes nothing and answers the first
   * event. Generated when absent, and kept across every retry of the event.
   */
  idempotencyKey?: string;
}

/** Where a published event is in its organization's log. `duplicate`: its key had already published it. */
export interface Published {
  id: string;
  cursor: string;
  sequence: number;
  duplicate: boolean;
}

export interface PublisherOptions {
  /** The server's base URL, e.g. `http://localhost:4000`. */
  url: string;
  /** An organization API key (`sbk_…`) or a service token; a function is asked before every request. */
  credential: string | (() => string | Promise<string>);
  /** Events per request; the server takes at most 1,000. Default 500. */
  maxBatchEvents?: number;
  /** JSON bytes per request; the server refuses bodies over 1 MiB. Default 512 KiB. */
  maxBatchBytes?: number;
  /** How long a queued event waits for others to share its request. Default 20 ms. */
  lingerMs?: number;
  /** Attempts per event before it fails (network errors, 5xx, 429, RATE_LIMITED, INTERNAL). Default 10. */
  maxAttempts?: number;
  /**
   * Waits between attempts: random in [0, min(maxMs, initialMs × 2^(attempt-1))] ("full jitter"), and never
   * shorter than what the server asked for (Retry-After, retryAfterMs). Defaults 100 ms and 10 s.
   */
  backoff?: { initialMs?: number; maxMs?: number };
  /** One request's time limit. Default 10 s. */
  timeoutMs?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Defaults to `crypto.randomUUID()`. */
  newIdempotencyKey?: () => string;
}

/** Why an event was not published: the server's error code (or NETWORK, HTTP_<status>, CLOSED) and message. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
    /** How many requests carried the event. */
    readonly attempts = 1,
  ) {
    super(message);
  }
}
