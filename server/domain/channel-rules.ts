import { type OrgAccess, requireOrgAccess } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import { NAME_PATTERN } from '../catalog/event-names.js';
import type { Services } from '../context.js';
import { badInput, channelForbidden } from '../errors.js';
import { CHANNEL_RULE_TYPE, ChannelRules, isDefaultRule } from '../realtime/channel-rules.js';
import { listChannelRules, putChannelRule } from '../store/channel-rules.js';
import type { ChannelRule, Organization } from '../store/types.js';
import { actorOf, commitAndPublish } from './publish.js';

/** How long an instance trusts the rules it read for publishing and history (live streams follow the log). */
const RULES_MAX_AGE_MS = 1_000;
/** Organizations whose rules one instance keeps at once; forgetting only costs a query. */
const RULES_MAX_ORGS = 10_000;

/**
 * Each organization's channel rules as this instance last read them, for checks outside a live feed (publishing,
 * history): at most a second old, and forgotten at once when this instance changes them.
 */
export class ChannelRuleCache {
  private readonly entries = new Map<string, { at: number; rules: Promise<ChannelRules> }>();

  constructor(private readonly load: (orgId: string) => Promise<ChannelRule[]>) {}

  get(orgId: string): Promise<ChannelRules> {
    const now = Date.now();
    const entry = this.entries.get(orgId);
    if (entry && now - entry.at < RULES_MAX_AGE_MS) return entry.rules;
    if (this.entries.size >= RULES_MAX_ORGS) this.entries.clear();
    const rules = this.load(orgId).then((list) => new ChannelRules(list));
    rules.catch(() => this.entries.delete(orgId));
    this.entries.set(orgId, { at: now, rules });
    return rules;
  }

  forget(orgId: string): void {
    this.entries.delete(orgId);
  }
}

/**
 * Sets who may read and publish on a channel (OWNER or ADMIN). The change is an `organization.rule` event in the
 * organization's log: every instance applies it to its open streams in log order, ending those that named the
 * channel and may no longer read it. Setting the defaults (VIEWER reads, MEMBER publishes) removes the rule.
 */
export async function setChannelRule(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  rule: ChannelRule,
): Promise<ChannelRule> {
  if (!NAME_PATTERN.test(rule.channel))
    throw badInput(`channel "${rule.channel.slice(0, 64)}" must be lower-case words joined by dots, like "property".`);
  const { viewer: v } = await requireOrgAccess(services.store, viewer, orgId, 'ADMIN', 'set channel rules');
  await commitAndPublish(
    services,
    (tx) => putChannelRule(tx, orgId, rule, isDefaultRule(rule)),
    () => ({
      orgId,
      channel: 'organization',
      type: CHANNEL_RULE_TYPE,
      subjectId: rule.channel,
      payload: { rule },
      actor: actorOf(v),
    }),
  );
  services.channelRules.forget(orgId);
  return rule;
}

/** The organization's rules (only channels that differ from the defaults); access was checked by the caller. */
export const channelRulesOf = (services: Services, org: Organization) => listChannelRules(services.store.db, org.id);

/** FORBIDDEN if a member's role may not publish on `channel`; services and API keys are the app's backend. */
export async function checkMayPublish(services: Services, access: OrgAccess, orgId: string, channel: string) {
  const role = access.membership?.role;
  if (role === undefined) return;
  const rules = await services.channelRules.get(orgId);
  if (!rules.publishable(channel, role))
    throw channelForbidden({ channel, role, needs: rules.get(channel).publishRole, action: 'publish' });
}

/**
 * For reading the history: FORBIDDEN if the reader names a channel they may not read, else the channels whose
 * events are left out for them.
 */
export async function readableChannels(
  services: Services,
  access: OrgAccess,
  orgId: string,
  named: readonly string[] | null | undefined,
): Promise<string[]> {
  const role = access.membership?.role;
  if (role === undefined) return [];
  const rules = await services.channelRules.get(orgId);
  const blocked = named?.find((c) => !rules.readable(c, role));
  if (blocked !== undefined)
    throw channelForbidden({ channel: blocked, role, needs: rules.get(blocked).subscribeRole, action: 'read' });
  return rules.hiddenFor(role);
}
