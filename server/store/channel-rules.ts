import type { ChannelRule, Db } from './types.js';

/** The channel rules of an organization (only channels that differ from the defaults), by channel. */
export async function listChannelRules(db: Db, orgId: string): Promise<ChannelRule[]> {
  const rows = await db
    .selectFrom('channel_rules')
    .select(['channel', 'subscribe_role', 'publish_role'])
    .where('org_id', '=', orgId)
    .orderBy('channel')
    .execute();
  return rows.map((r) => ({ channel: r.channel, subscribeRole: r.subscribe_role, publishRole: r.publish_role }));
}

/** Stores a channel's rule; `isDefault` removes its row instead (no row = the defaults). */
export async function putChannelRule(db: Db, orgId: string, rule: ChannelRule, isDefault: boolean): Promise<void> {
  if (isDefault) {
    await db.deleteFrom('channel_rules').where('org_id', '=', orgId).where('channel', '=', rule.channel).execute();
    return;
  }
  const values = { subscribe_role: rule.subscribeRole, publish_role: rule.publishRole, updated_at: Date.now() };
  await db
    .insertInto('channel_rules')
    .values({ org_id: orgId, channel: rule.channel, ...values })
    .onConflict((oc) => oc.columns(['org_id', 'channel']).doUpdateSet(values))
    .execute();
}
