import { sql } from 'kysely';
import type { Store } from './store.js';

export interface RetentionPolicy {
  /** Events older than this are removed. */
  maxAgeMs: number;
  /** At most this many of the newest events are kept per organization. */
  maxEventsPerOrg: number;
}

/**
 * Removes what the policy no longer keeps and records, per organization, the highest removed sequence
 * (`pruned_through`), so a cursor from before it is recognised as expired rather than silently skipped.
 * Both rules cut a prefix of the log (sequence order is time order), so the retained part stays contiguous.
 */
export async function pruneEvents(
  store: Pick<Store, 'db' | 'transaction'>,
  policy: RetentionPolicy,
  { now = Date.now(), orgIds }: { now?: number; orgIds?: readonly string[] } = {},
): Promise<number> {
  const { db } = store;
  const cutoffs = new Map<string, number>();
  const byCount = await db
    .selectFrom('organizations')
    .select(['id', 'last_seq'])
    .where(sql<boolean>`last_seq - pruned_through > ${policy.maxEventsPerOrg}`)
    .execute();
  for (const o of byCount) cutoffs.set(o.id, Number(o.last_seq) - policy.maxEventsPerOrg);
  const byAge = await db
    .selectFrom('events')
    .select(['org_id', (eb) => eb.fn.max('seq').as('seq')])
    .where('occurred_at', '<', now - policy.maxAgeMs)
    .groupBy('org_id')
    .execute();
  for (const o of byAge) cutoffs.set(o.org_id, Math.max(cutoffs.get(o.org_id) ?? 0, Number(o.seq)));
  // Only these organizations, when named (one tenant's log; tests that share a database prune only their own).
  if (orgIds) for (const orgId of cutoffs.keys()) if (!orgIds.includes(orgId)) cutoffs.delete(orgId);

  let removed = 0;
  for (const [orgId, through] of cutoffs) {
    // One transaction: a resume never sees the events gone but `pruned_through` not yet moved. The idempotency
    // keys of these events go with them (foreign key, cascade): a retry after retention publishes again.
    removed += await store.transaction(async (tx) => {
      const res = await tx
        .deleteFrom('events')
        .where('org_id', '=', orgId)
        .where('seq', '<=', through)
        .executeTakeFirst();
      await tx
        .updateTable('organizations')
        .set({ pruned_through: through })
        .where('id', '=', orgId)
        .where('pruned_through', '<', through)
        .execute();
      return Number(res.numDeletedRows);
    });
  }
  return removed;
}
