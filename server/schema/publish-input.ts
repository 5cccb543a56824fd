import * as events from '../domain/events.js';
import type { Builder } from './builder.js';

/**
 * What a client publishes (publishEvent, publishEvents). Names, subject and payload are checked by the domain
 * (checkEventInput), not here: in a batch each event gets its own result, where a schema-level check would
 * refuse the whole operation.
 */
export function publishEventInput(builder: Builder) {
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
});
