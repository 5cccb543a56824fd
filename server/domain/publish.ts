import type { Services } from '../context.js';
import type { Viewer } from '../auth/viewer.js';
import { badInput, rateLimited } from '../errors.js';
import type { AppendOutcome } from '../store/idempotency.js';
import { appendEvent } from '../store/repository.js';
import type { Db, EventRecord, NewEvent } from '../store/types.js';

export type { AppendOutcome } from '../store/idempotency.js';

/** An API key publishes as a backend of its organization: `isService` in the events it writes. */
export const actorOf = (viewer: Viewer) => ({
  id: viewer.userId,
  name: viewer.name,
  isService: viewer.isService || viewer.apiKey !== undefined,
});

/**
 * Durable first: `write` (optional domain change) and the event append commit together, and only
 * then is the event published. A crash in between loses nothing: feeds repair gaps from the log.
 * Every event appended for a user takes from their publish budget first (see chargeUser): over it,
 * RATE_LIMITED and the whole transaction, `write` included, is rolled back.
 */
export async function commitAndPublish<T>(
  services: Services,
  write: (tx: Db) => Promise<T>,
  event: (result: T) => NewEvent | undefined,
): Promise<{ result: T; event?: EventRecord }> {
  const committed = await services.store.transaction(async (tx) => {
    const result = await write(tx);
    const input = event(result);
    if (!input) return { result };
    if (!input.actor.isService) chargeUser(services, input.actor.id, input.orgId, 1);
    return { result, event: await appendEvent(tx, input) };
  });
  if (committed.event) {
    services.bus.publish(committed.event);
    services.metrics.onPublished();
  }
  return committed;
}

/** Whose budget the new events of a publish take from. */
export type Payer =
  { kind: 'user'; userId: string } | { kind: 'apiKey'; keyId: string; name: string } | { kind: 'exempt' };

/** Users pay per user and organization, API keys per key; services (and the server itself) are exempt. */
export function payerOf(viewer: Viewer): Payer {
  if (viewer.apiKey) return { kind: 'apiKey', keyId: viewer.apiKey.id, name: viewer.name ?? viewer.apiKey.id };
  return viewer.isService ? { kind: 'exempt' } : { kind: 'user', userId: viewer.userId };
}

/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** An idempotency key as a client sent it (absent, null or a string) → the key to store, or BAD_USER_INPUT. */
export function checkIdempotencyKey(key: string | null | undefined): string | undefined {
  if (key === undefined || key === null) return undefined;
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    throw badInput(`idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters; it has ${key.length}.`);
  return key;
}

/** Events of one organization to publish together, with their idempotency keys (same length; undefined = none). */
export interface OrgBatch {
  orgId: string;
  events: readonly NewEvent[];
  idempotencyKeys: readonly (string | undefined)[];
  payer: Payer;
}

/**
 * THE append of client events (publishEvent, publishEvents, POST /v1/events): one organization's events, all or
 * none, with consecutive sequences; an event whose idempotency key already named an event is not appended again
 * (its outcome points at the original). New events take from the payer's budget inside the transaction (a
 * refusal appends nothing of this caller). It goes through the group commit (services.appender): committed
 * with whatever else is being appended to the organization, published after the commit, in order.
 */
export function appendAndPublish(services: Services, batch: OrgBatch): Promise<AppendOutcome[]> {
  return services.appender.append(batch.orgId, {
    events: batch.events,
    keys: batch.idempotencyKeys,
    admit: (count) => charge(services, batch.payer, batch.orgId, count),
  });
}

/**
 * Events the app's database fed (the outbox, change capture), each with its idempotency key: every organization's
 * events appended together in the order given, the organizations at once, exempt from publish budgets (they are
 * the app backend's). A retry of the same keys publishes nothing twice.
 */
export async function appendFromDatabase(
  services: Services,
  items: ReadonlyArray<{ event: NewEvent; key: string }>,
): Promise<void> {
  const byOrg = new Map<string, { events: NewEvent[]; keys: string[] }>();
  for (const { event, key } of items) {
    const group = byOrg.get(event.orgId) ?? { events: [], keys: [] };
    byOrg.set(event.orgId, group);
    group.events.push(event);
    group.keys.push(key);
  }
  await Promise.all(
    [...byOrg].map(([orgId, g]) =>
      appendAndPublish(services, { orgId, events: g.events, idempotencyKeys: g.keys, payer: { kind: 'exempt' } }),
    ),
  );
}

function charge(services: Services, payer: Payer, orgId: string, count: number): void {
  if (payer.kind === 'user') chargeUser(services, payer.userId, orgId, count);
  if (payer.kind !== 'apiKey') return;
  const limiter = services.apiKeyRate;
  const wait = limiter.take(payer.keyId, Date.now(), count);
  if (wait > 0) {
    throw rateLimited(
      `API key "${payer.name}" is over its budget of ${limiter.rate} events per second (bursts of ${limiter.burst}). Retry in ${wait} ms.`,
      { retryAfterMs: wait },
    );
  }
}

/**
 * The one publish budget: each event appended for a user (publishEvent, renames, membership changes,
 * notifications, a new organization's `member.join`) takes a token per user and organization, so no
 * mutation is a way around the limit. Events of services (and of the server itself) are exempt.
 */
function chargeUser(services: Services, userId: string, orgId: string, count: number): void {
  const wait = services.publishRate.take(`${userId}\u0000${orgId}`, Date.now(), count);
  if (wait > 0) {
    throw rateLimited(
      `Too many changes in organization "${orgId}": published events, renames, membership changes and notifications share one budget per user. Slow down and retry in ${wait} ms.`,
      { retryAfterMs: wait },
    );
  }
}
