import * as events from '../domain/events.js';
import { MAX_AUDIENCE_USERS } from '../domain/event-input.js';
import type { Builder } from './builder.js';
import type { OrganizationRefs } from './organization.js';

/**
 * What a client publishes (publishEvent, publishEvents). Names, subject and payload are checked by the domain
 * (checkEventInput), not here: in a batch each event gets its own result, where a schema-level check would
 * refuse the whole operation.
 */
export function publishEventInput(builder: Builder, RoleEnum: OrganizationRefs['RoleEnum']) {
  const EventAudienceInput = builder.inputType('EventAudienceInput', {
    description:
      'Who receives a private event: the users named and the members whose role is one of the roles named (exact roles: list OWNER too to reach owners and admins). Nobody else receives it, live, on resume or in history; services see every event.',
    fields: (t) => ({
      userIds: t.idList({ required: false, description: `At most ${MAX_AUDIENCE_USERS} user ids.` }),
      roles: t.field({ type: [RoleEnum], required: false }),
    }),
  });
  return builder.inputType('PublishEventInput', {
    fields: (t) => ({
      orgId: t.id({ required: true }),
      channel: t.string({
        required: true,
        description: `Lower-case words joined by dots (at most 4 parts). Built in: ${events.BUILT_IN_CHANNELS.join(', ')}; apps may use their own.`,
      }),
      type: t.string({
        required: true,
        description: `Lower-case words joined by dots (at most 4 parts). Built in: ${events.BUILT_IN_TYPES.join(', ')}; apps may use their own, except under ${events.SERVER_ONLY_TYPE_PREFIXES.map((p) => `${p}*`).join(', ')}. A type declared in the event catalog must have a payload that matches its declaration.`,
      }),
      subjectId: t.id({ required: false, description: '1 to 128 characters.' }),
      payload: t.field({ type: 'JSON', required: false, description: 'At most 32 KiB as JSON.' }),
      audience: t.field({
        type: EventAudienceInput,
        required: false,
        description: 'Only these users and roles receive the event; absent: every member of the organization.',
      }),
      idempotencyKey: t.string({
        required: false,
        description:
          'Names this event within its organization (1 to 255 characters): a retry with the same key, while the first event is retained, publishes nothing and returns the first event.',
      }),
    }),
  });
}

export type PublishEventInputRef = ReturnType<typeof publishEventInput>;

/** A `PublishEventInput` as the domain takes it. */
export const fromPublishEventInput = (input: PublishEventInputRef['$inferInput']) => ({
  ...input,
  orgId: String(input.orgId),
  subjectId: input.subjectId === null || input.subjectId === undefined ? null : String(input.subjectId),
  audience: input.audience && {
    userIds: input.audience.userIds?.map(String) ?? [],
    roles: input.audience.roles ?? [],
  },
});
