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
 * One organization's channel rules as one reader of them sees them at a point of its log, and the deployment's
 * guarded channels (AUTH_GUARDED_CHANNELS: the app authorizes them; only streams and reads that name them get
 * their events). `role` undefined is a service (or the server): neither applies to it.
 */
export class ChannelRules {
  private readonly rules = new Map<string, ChannelRule>();

  constructor(
    rules: Iterable<ChannelRule> = [],
    readonly guarded: ReadonlySet<string> = new Set(),
  ) {
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

  /** Whether a reader of `role` gets `channel`'s events, in a stream or read that names `named` (absent: all). */
  readable(channel: string, role: Role | undefined, named?: ReadonlySet<string>): boolean {
    if (role === undefined || (this.rules.size === 0 && this.guarded.size === 0)) return true;
    if (this.guarded.has(channel) && !named?.has(channel)) return false;
    const rule = this.rules.get(channel);
    return rule === undefined || roleAtLeast(role, rule.subscribeRole);
  }

  publishable(channel: string, role: Role | undefined): boolean {
    const rule = this.rules.get(channel);
    return role === undefined || rule === undefined || roleAtLeast(role, rule.publishRole);
  }

  /** The channels whose events a read by `role` naming `named` (absent: all) leaves out. */
  hiddenFor(role: Role | undefined, named?: ReadonlySet<string>): string[] {
    const channels = new Set([...this.rules.keys(), ...this.guarded]);
    return [...channels].filter((c) => !this.readable(c, role, named));
  }
}

/** The rule an `organization.rule` event sets; undefined for any other event. */
export function ruleOf(event: EventRecord): ChannelRule | undefined {
  if (event.type !== CHANNEL_RULE_TYPE) return undefined;
  const rule = (event.payload as { rule?: Partial<ChannelRule> } | null)?.rule;
  if (typeof rule?.channel !== 'string' || !isRole(rule.subscribeRole) || !isRole(rule.publishRole)) return undefined;
  return { channel: rule.channel, subscribeRole: rule.subscribeRole, publishRole: rule.publishRole };
}

/** The server's record of an access the app took back (`revokeChannelAccess`), in the user's own audience. */
export const ACCESS_REVOKED_TYPE = 'member.access_revoked';

export interface RevokedAccess {
  userId: string;
  channel: string;
  subjectId: string | null;
}

/** The access a `member.access_revoked` event takes back; undefined for any other event. */
export function revokedAccess(event: EventRecord): RevokedAccess | undefined {
  if (event.type !== ACCESS_REVOKED_TYPE) return undefined;
  const a = (event.payload as { access?: Partial<RevokedAccess> } | null)?.access;
  if (typeof a?.userId !== 'string' || typeof a.channel !== 'string') return undefined;
  return { userId: a.userId, channel: a.channel, subjectId: typeof a.subjectId === 'string' ? a.subjectId : null };
}

const isRole = (r: unknown): r is Role => (ROLES as readonly unknown[]).includes(r);
