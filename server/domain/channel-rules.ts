import { type OrgAccess, requireOrgAccess } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import { NAME_PATTERN } from '../catalog/event-names.js';
import type { Services } from '../context.js';
import type { GraphQLError } from 'graphql';
import type { AppHooks } from '../auth/app-hooks.js';
import { badInput, channelForbidden, notAuthorized } from '../errors.js';
import type { Grants } from '../realtime/grants.js';
import { ACCESS_REVOKED_TYPE, CHANNEL_RULE_TYPE, isDefaultRule } from '../realtime/channel-rules.js';
import { listChannelRules, putChannelRule } from '../store/channel-rules.js';
import type { ChannelRule, Organization } from '../store/types.js';
import { actorOf, commitAndPublish } from './publish.js';

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
export async function hiddenChannelsFor(
  services: Services,
  access: OrgAccess,
  orgId: string,
  named: readonly string[] | null | undefined,
): Promise<string[]> {
  const role = access.membership?.role;
  if (role === undefined) return [];
  const rules = await services.channelRules.get(orgId);
  const names = named?.length ? new Set(named) : undefined;
  const blocked = named?.find((c) => !rules.readable(c, role, names));
  if (blocked !== undefined)
    throw channelForbidden({ channel: blocked, role, needs: rules.get(blocked).subscribeRole, action: 'read' });
  return rules.hiddenFor(role, names);
}

/** Questions one read may put to the app (its guarded channels × its subjects). */
const MAX_ASKS = 20;

/**
 * For a member's stream or read that names guarded channels (AUTH_GUARDED_CHANNELS): the app's subscribe
 * endpoint must allow each of them, for each subject named (or the whole channel without subjects). Answers are
 * kept in the feed's `grants` for their TTL when given (streams); history asks every time. Returns the FORBIDDEN
 * to answer with, or undefined. Services are not asked about.
 */
export async function authorizeGuarded(
  services: Services,
  access: OrgAccess,
  args: { orgId: string; channels?: readonly string[] | null; subjectIds?: readonly string[] | null },
  grants?: Grants,
): Promise<GraphQLError | undefined> {
  const hooks = services.hooks;
  if (!hooks || access.membership === undefined || !args.channels) return undefined;
  const guarded = args.channels.filter((c) => hooks.guardedChannels.has(c));
  const subjects: (string | null)[] = args.subjectIds?.length ? [...args.subjectIds] : [null];
  const asks = guarded.flatMap((channel) =>
    subjects.map((subjectId) => ({ userId: access.viewer.userId, orgId: args.orgId, channel, subjectId })),
  );
  if (asks.length > MAX_ASKS)
    return badInput(
      `This names ${asks.length} guarded channel and subject pairs, which the app must each authorize: name fewer channels or subjectIds (at most ${MAX_ASKS} pairs per operation).`,
    );
  const verdicts = await Promise.all(asks.map((q) => ask(hooks, q, grants)));
  return verdicts.find((v) => v !== undefined);
}

async function ask(
  hooks: AppHooks,
  q: { userId: string; orgId: string; channel: string; subjectId: string | null },
  grants?: Grants,
): Promise<GraphQLError | undefined> {
  // Twice at most: an answer given while a revocation came is asked for again.
  for (let attempt = 0; attempt < 2; attempt++) {
    const known = grants?.get(q.userId, q.channel, q.subjectId);
    if (known !== undefined) return known ? undefined : notAuthorized(q.channel, q.subjectId);
    const generation = grants?.generation ?? 0;
    const grant = await hooks.authorize(q);
    if ('failed' in grant) return notAuthorized(q.channel, q.subjectId, grant.failed);
    if (grants && grants.generation !== generation) continue;
    grants?.set(q, grant.allow, grant.ttlMs, generation);
    return grant.allow ? undefined : notAuthorized(q.channel, q.subjectId);
  }
  return notAuthorized(q.channel, q.subjectId, 'access changed while asking');
}

/**
 * Takes back a user's access to a guarded channel (one subject, or all of it): the app calls this when its own
 * rules change (OWNER, ADMIN, services). The user's streams that named it end with FORBIDDEN on every instance,
 * in log order, and kept answers are forgotten; the next subscription asks the app again. The record is an event
 * only the user receives (`member.access_revoked`).
 */
export async function revokeChannelAccess(
  services: Services,
  viewer: Viewer | null,
  args: { orgId: string; userId: string; channel: string; subjectId: string | null },
): Promise<boolean> {
  const { viewer: v } = await requireOrgAccess(services.store, viewer, args.orgId, 'ADMIN', 'revoke channel access');
  await commitAndPublish(
    services,
    async () => undefined,
    () => ({
      orgId: args.orgId,
      channel: 'organization',
      type: ACCESS_REVOKED_TYPE,
      subjectId: args.userId,
      payload: { access: { userId: args.userId, channel: args.channel, subjectId: args.subjectId } },
      audience: { userIds: [args.userId], roles: [] },
      actor: actorOf(v),
    }),
  );
  return true;
}
