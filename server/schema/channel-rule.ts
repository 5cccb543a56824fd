import * as rules from '../domain/channel-rules.js';
import { DEFAULT_PUBLISH_ROLE, DEFAULT_SUBSCRIBE_ROLE } from '../realtime/channel-rules.js';
import type { ChannelRule } from '../store/types.js';
import type { Builder } from './builder.js';
import type { OrganizationRefs } from './organization.js';

/** Channel rules (who may read and publish on a channel) and the app's revocations of guarded channels. */
export function addChannelRuleSchema(builder: Builder, { RoleEnum, OrganizationRef }: OrganizationRefs): void {
  const ChannelRuleRef = builder.objectRef<ChannelRule>('ChannelRule').implement({
    description:
      'Who may read (subscribe, resume, history) and publish on one channel of an organization. Channels without a rule: VIEWERs read, MEMBERs publish. Services and API keys are not bound by rules.',
    fields: (t) => ({
      channel: t.exposeString('channel'),
      subscribeRole: t.field({ type: RoleEnum, resolve: (r) => r.subscribeRole }),
      publishRole: t.field({ type: RoleEnum, resolve: (r) => r.publishRole }),
    }),
  });

  builder.objectField(OrganizationRef, 'channelRules', (t) =>
    t.field({
      type: [ChannelRuleRef],
      description: 'The channels with a rule (every other channel: VIEWERs read, MEMBERs publish).',
      resolve: (org, _args, ctx) => rules.channelRulesOf(ctx.services, org),
    }),
  );

  builder.mutationField('setChannelRule', (t) =>
    t.field({
      type: ChannelRuleRef,
      description:
        'Sets who may read and publish on a channel (OWNER, ADMIN, services). Open streams that named the channel and no longer qualify end with FORBIDDEN within a second on every instance; streams of all channels stop receiving it. The defaults remove the rule.',
      authScopes: { loggedIn: true },
      args: {
        orgId: t.arg.id({ required: true }),
        channel: t.arg.string({ required: true }),
        subscribeRole: t.arg({ type: RoleEnum, required: true, defaultValue: DEFAULT_SUBSCRIBE_ROLE }),
        publishRole: t.arg({ type: RoleEnum, required: true, defaultValue: DEFAULT_PUBLISH_ROLE }),
      },
      resolve: (_root, args, ctx) =>
        rules.setChannelRule(ctx.services, ctx.viewer, String(args.orgId), {
          channel: args.channel,
          subscribeRole: args.subscribeRole,
          publishRole: args.publishRole,
        }),
    }),
  );

  builder.mutationField('revokeChannelAccess', (t) =>
    t.boolean({
      description:
        "Takes back a user's access to a guarded channel (AUTH_GUARDED_CHANNELS), or to one subject of it (OWNER, ADMIN, services: the app's backend). Their streams that named it end with FORBIDDEN within a second on every instance; the next subscription asks the app again.",
      authScopes: { loggedIn: true },
      args: {
        orgId: t.arg.id({ required: true }),
        userId: t.arg.id({ required: true }),
        channel: t.arg.string({ required: true }),
        subjectId: t.arg.id({ required: false }),
      },
      resolve: (_root, args, ctx) =>
        rules.revokeChannelAccess(ctx.services, ctx.viewer, {
          orgId: String(args.orgId),
          userId: String(args.userId),
          channel: args.channel,
          subjectId: args.subjectId === null || args.subjectId === undefined ? null : String(args.subjectId),
        }),
    }),
  );
}
