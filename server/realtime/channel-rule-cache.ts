import { ChannelRules } from './channel-rules.js';
import type { ChannelRule } from '../store/types.js';

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

  constructor(
    private readonly load: (orgId: string) => Promise<ChannelRule[]>,
    private readonly guarded: ReadonlySet<string> = new Set(),
  ) {}

  get(orgId: string): Promise<ChannelRules> {
    const now = Date.now();
    const entry = this.entries.get(orgId);
    if (entry && now - entry.at < RULES_MAX_AGE_MS) return entry.rules;
    if (this.entries.size >= RULES_MAX_ORGS) this.entries.clear();
    const rules = this.load(orgId).then((list) => new ChannelRules(list, this.guarded));
    rules.catch(() => this.entries.delete(orgId));
    this.entries.set(orgId, { at: now, rules });
    return rules;
  }

  forget(orgId: string): void {
    this.entries.delete(orgId);
  }
}
