import { sql } from 'kysely';
import type { Db } from './types.js';

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
export async function pruneEvents(db: Db, policy: RetentionPolicy, now = Date.now()): Promise<number> {
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

  let removed = 0;
  for (const [orgId, through] of cutoffs) {
    const res = await db.deleteFrom('events').where('org_id', '=', orgId).where('seq', '<=', through).executeTakeFirst();
    removed += Number(res.numDeletedRows);
    await db
      .updateTable('organizations')
      .set({ pruned_through: through })
      .where('id', '=', orgId)
      .where('pruned_through', '<', through)
      .execute();
  }
  return removed;
}
