import { GraphQLError } from 'graphql';
import { requireOrgAccess, requireViewer } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import type { Logger } from '../logger.js';
import {
  apiKeyOtherOrganization,
  batchTooLarge,
  batchesForBackends,
  internalError,
  refusedAt,
  refusedWithSibling,
} from '../errors.js';
import { encodeCursor } from '../realtime/cursor.js';
import { type CheckedEvent, checkEventInput, type PublishInput } from './event-input.js';
import { eventFieldsOf } from './events.js';
import { actorOf, appendAndPublish, checkIdempotencyKey, payerOf } from './publish.js';

/** One event of a batch, as a backend sends it (POST /v1/events, publishEvents). */
export interface BatchEventInput extends PublishInput {
  idempotencyKey?: string | null;
}

/** What became of the event at the same position: published (or a retry of one), or refused and why. */
export type BatchResult =
  { ok: true; id: string; sequence: number; cursor: string; duplicate: boolean } | { ok: false; error: GraphQLError };

type Checked = { event: CheckedEvent; key: string | undefined } | GraphQLError;

/**
 * Publishes a batch for an app backend (a service token, or an API key for its own organization only):
 * every event is checked (checkEventInput, its idempotency key), then each organization's events are appended
 * in one transaction, all or none, in the order given, and published live after the commit. An organization
 * whose events fail leaves the others alone. Refused as a whole (thrown, nothing published): a user's token,
 * a batch over the limit, an API key's event for another organization.
 */
export async function publishBatch(
  services: Services,
  viewer: Viewer | null,
  inputs: readonly BatchEventInput[],
  /** Where a failure is logged: the request's log (its id in each line), made only then. */
  log: () => Logger = () => services.log,
): Promise<BatchResult[]> {
  const v = requireViewer(viewer);
  if (!v.isService && !v.apiKey) throw batchesForBackends();
  if (inputs.length > services.limits.maxBatchEvents)
    throw batchTooLarge(inputs.length, services.limits.maxBatchEvents);
  const keyOrg = v.apiKey?.orgId;
  const foreign = keyOrg === undefined ? -1 : inputs.findIndex((e) => e.orgId !== keyOrg);
  if (keyOrg !== undefined && foreign >= 0)
    throw apiKeyOtherOrganization(keyOrg, (inputs[foreign] as BatchEventInput).orgId, foreign);
  const checked = inputs.map((input) => check(services, input));
  const results: BatchResult[] = new Array<BatchResult>(inputs.length);
  // Every organization at once: their appends share one transaction of the group commit. Each organization's
  // events keep the order given; across organizations there is no order to keep.
  await Promise.all(
    [...groupByOrganization(inputs)].map(([orgId, positions]) =>
      publishOrganization(services, v, orgId, positions, { inputs, checked, results, log }),
    ),
  );
  return results;
}

function check(services: Services, input: BatchEventInput): Checked {
  try {
    return { event: checkEventInput(services, input), key: checkIdempotencyKey(input.idempotencyKey) };
  } catch (err) {
    if (err instanceof GraphQLError) return err;
    throw err;
  }
}

function groupByOrganization(inputs: readonly BatchEventInput[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    const positions = groups.get(input.orgId);
    if (positions) positions.push(i);
    else groups.set(input.orgId, [i]);
  });
  return groups;
}

interface BatchState {
  inputs: readonly BatchEventInput[];
  checked: readonly Checked[];
  results: BatchResult[];
  log: () => Logger;
}

/** One organization's part of a batch: all of it appended and published, or every event with the reason. */
async function publishOrganization(
  services: Services,
  viewer: Viewer,
  orgId: string,
  positions: readonly number[],
  { inputs, checked, results, log }: BatchState,
): Promise<void> {
  const refused = positions.find((p) => checked[p] instanceof GraphQLError);
  if (refused !== undefined) {
    const cause = checked[refused] as GraphQLError;
    for (const p of positions) {
      const own = checked[p];
      results[p] = {
        ok: false,
        error: own instanceof GraphQLError ? refusedAt(p, own) : refusedWithSibling(refused, cause),
      };
    }
    return;
  }
  const valid = positions.map((p) => checked[p] as Exclude<Checked, GraphQLError>);
  try {
    const { viewer: v } = await requireOrgAccess(services.store, viewer, orgId, 'MEMBER', 'publish events', {
      apiKeys: true,
    });
    const actor = actorOf(v); // one per organization's part: every event of it has the same publisher
    const outcomes = await appendAndPublish(services, {
      orgId,
      events: positions.map((p, j) => ({
        ...eventFieldsOf(inputs[p] as BatchEventInput),
        ...(valid[j] as Exclude<Checked, GraphQLError>).event,
        actor,
      })),
      idempotencyKeys: valid.map((c) => c.key),
      payer: payerOf(v),
    });
    outcomes.forEach((o, j) => {
      const { id, seq } = o.duplicate ? o.original : o.event;
      results[positions[j] as number] = {
        ok: true,
        id,
        sequence: seq,
        cursor: encodeCursor(orgId, seq),
        duplicate: o.duplicate,
      };
    });
  } catch (err) {
    if (!(err instanceof GraphQLError)) log().error({ err, orgId }, 'publishing a batch failed');
    const error = err instanceof GraphQLError ? err : internalError(err);
    for (const p of positions) results[p] = { ok: false, error };
  }
}
