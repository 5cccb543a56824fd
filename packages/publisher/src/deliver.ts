import { PublishError, type Published, type PublisherEvent } from './types.js';

/** A queued event and the promise waiting for it. */
export interface Pending {
  event: PublisherEvent & { idempotencyKey: string };
  resolve: (published: Published) => void;
  reject: (error: PublishError) => void;
}

export interface DeliverySettings {
  endpoint: string;
  credential: () => string | Promise<string>;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  fetch: typeof fetch;
}

/** What one request settled, and what must be sent again (after `waitMs` at least). */
interface Attempt {
  retry: Pending[];
  error?: PublishError;
  waitMs: number;
}

/** Codes of per-event errors that may pass later: the budget refills, a server error passes. */
const RETRYABLE = new Set(['RATE_LIMITED', 'INTERNAL']);

/**
 * Sends one batch until every event is settled: published (or found published: a retry with the same
 * idempotency keys publishes nothing twice), refused for good, or out of attempts. Retries network errors,
 * 429 and 5xx answers as a whole, and events refused with a retryable code alone.
 */
export async function deliver(settings: DeliverySettings, batch: Pending[]): Promise<void> {
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcome = await send(settings, pending);
    pending = outcome.retry;
    if (pending.length === 0) return;
    if (attempt >= settings.maxAttempts) {
      const last = outcome.error ?? new PublishError('NETWORK', 'gave up');
      for (const p of pending)
        p.reject(new PublishError(last.code, `${last.message} (after ${attempt} attempts)`, last.status, attempt));
      return;
    }
    const ceiling = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** (attempt - 1));
    await sleep(Math.max(outcome.waitMs, Math.random() * ceiling));
  }
}

async function send(settings: DeliverySettings, pending: Pending[]): Promise<Attempt> {
  let res: Response;
  let body: any;
  try {
    res = await settings.fetch(settings.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await settings.credential()}` },
      body: JSON.stringify({ events: pending.map((p) => p.event) }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    body = await res.json().catch(() => undefined);
  } catch (err) {
    // No answer, or it was cut: the server may have published the batch, which the same keys make safe to resend.
    const error = new PublishError('NETWORK', `${settings.endpoint} did not answer: ${(err as Error).message}`);
    return { retry: pending, error, waitMs: 0 };
  }
  const waitMs = retryAfterMs(res.headers.get('retry-after'));
  if (body === undefined && res.ok) {
    // Cut after the status: the batch may be published; the same keys make sending it again safe.
    return {
      retry: pending,
      error: new PublishError('NETWORK', `${settings.endpoint} cut its answer`, res.status),
      waitMs,
    };
  }
  if (Array.isArray(body?.results) && body.results.length === pending.length)
    return settle(pending, body.results, res.status, waitMs);
  const first = body?.errors?.[0] as
    { message?: string; extensions?: { code?: string; position?: unknown } } | undefined;
  const error = new PublishError(
    first?.extensions?.code ?? `HTTP_${res.status}`,
    first?.message ?? `${settings.endpoint} answered HTTP ${res.status}`,
    res.status,
  );
  if (res.status === 429 || res.status >= 500) return { retry: pending, error, waitMs };
  // Refused as a whole for one event's sake (an API key's event for another organization): that one fails alone.
  const position = first?.extensions?.position;
  const culprit = typeof position === 'number' ? pending[position] : undefined;
  if (culprit) {
    culprit.reject(error);
    return { retry: pending.filter((p) => p !== culprit), error, waitMs: 0 };
  }
  for (const p of pending) p.reject(error);
  return { retry: [], waitMs: 0 };
}

type Result = Published | { error: { code: string; message: string; retryAfterMs?: number; position?: number } };

/**
 * Per-event answers: resolve the published, reject the refused, keep the retryable. An event refused only
 * because another of its organization was (a batch is all-or-nothing per organization: `position` names the
 * other) is sent again without it: to the caller, each `publish` stands alone.
 */
function settle(pending: Pending[], results: Result[], status: number, waitMs: number): Attempt {
  const retry: Pending[] = [];
  let error: PublishError | undefined;
  results.forEach((r, i) => {
    const p = pending[i] as Pending;
    if (!('error' in r)) return p.resolve({ id: r.id, cursor: r.cursor, sequence: r.sequence, duplicate: r.duplicate });
    const failure = new PublishError(r.error.code, r.error.message, status);
    const collateral = typeof r.error.position === 'number' && r.error.position !== i;
    if (!collateral && !RETRYABLE.has(r.error.code)) return p.reject(failure);
    retry.push(p);
    error = failure;
    waitMs = Math.max(waitMs, r.error.retryAfterMs ?? 0);
  });
  return { retry, error, waitMs };
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now (0 when absent or unreadable). */
function retryAfterMs(header: string | null): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
