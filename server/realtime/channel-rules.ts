import { roleAtLeast } from '../auth/roles.js';
import { ROLES, type ChannelRule, type EventRecord, type Role } from '../store/types.js';

/** Without a rule, VIEWERs (every member) read a channel and MEMBERs publish on it. */
export const DEFAULT_SUBSCRIBE_ROLE: Role = 'VIEWER';
export const DEFAULT_PUBLISH_ROLE: Role = 'MEMBER';
/** The server's record of a rule change, in the organization's log (channel `organization`). */
export const CHANNEL_RULE_TYPE = 'organization.rule';

export const isDefaultRule = (r: ChannelRule) =>
  r.subscribeRole === DEFAULT_SUBSCRIBE_ROLE && r.publishRole === DEFAULT_PUBLISH_ROLE;

/**
 * One organization's channel rules as one reader of them sees them at a point of its log. `role` undefined is a
 * service (or the server): rules do not apply to it.
 */
export class ChannelRules {
  private readonly rules = new Map<string, ChannelRule>();

  constructor(rules: Iterable<ChannelRule> = []) {
    for (const r of rules) this.set(r);
  }

  set(rule: ChannelRule): void {
    if (isDefaultRule(rule)) this.rules.delete(rule.channel);
    else this.rules.set(rule.channel, rule);
  }

  get(channel: string): ChannelRule {
    return (
      this.rules.get(channel) ?? {
        channel,
        subscribeRole: DEFAULT_SUBSCRIBE_ROLE,
        publishRole: DEFAULT_PUBLISH_ROLE,
      }
    );
  }

  readable(channel: string, role: Role | undefined): boolean {
    if (this.rules.size === 0 || role === undefined) return true;
    const rule = this.rules.get(channel);
    return rule === undefined || roleAtLeast(role, rule.subscribeRole);
  }

  publishable(channel: string, role: Role | undefined): boolean {
    const rule = this.rules.get(channel);
    return role === undefined || rule === undefined || roleAtLeast(role, rule.publishRole);
  }

  /** The channels a reader of `role` may not read: left out of history and replays. */
  hiddenFor(role: Role | undefined): string[] {
    return [...this.rules.values()].filter((r) => !this.readable(r.channel, role)).map((r) => r.channel);
  }

  list(): ChannelRule[] {
    return [...this.rules.values()].sort((a, b) => (a.channel < b.channel ? -1 : 1));
  }
}

/** The rule an `organization.rule` event sets; undefined for any other event. */
export function ruleOf(event: EventRecord): ChannelRule | undefined {
  if (event.type !== CHANNEL_RULE_TYPE) return undefined;
  const rule = (event.payload as { rule?: Partial<ChannelRule> } | null)?.rule;
  if (typeof rule?.channel !== 'string' || !isRole(rule.subscribeRole) || !isRole(rule.publishRole)) return undefined;
  return { channel: rule.channel, subscribeRole: rule.subscribeRole, publishRole: rule.publishRole };
}

const isRole = (r: unknown): r is Role => (ROLES as readonly unknown[]).includes(r);
