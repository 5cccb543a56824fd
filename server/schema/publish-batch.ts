import { type BatchResult, publishBatch } from '../domain/publish-batch.js';
import { operationLog } from '../context.js';
import type { Builder } from './builder.js';
import { type PublishEventInputRef, fromPublishEventInput } from './publish-input.js';

type Failure = { error: { message: string; extensions: Record<string, unknown> } };

/** `publishEvents`: a batch for app backends, one result per input. */
export function addPublishBatchSchema(builder: Builder, PublishEventInput: PublishEventInputRef): void {
  const PublishErrorRef = builder.objectRef<Failure['error']>('PublishError').implement({
    description: 'Why one event of a batch was not published. Nothing of its organization in this batch was.',
    fields: (t) => ({
      code: t.string({
        description: 'FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED or INTERNAL (see docs/publishing.md).',
        resolve: (e) => String(e.extensions.code ?? 'INTERNAL'),
      }),
      message: t.exposeString('message'),
      position: t.int({
        nullable: true,
        description: 'The position (in `inputs`) of the event that was refused, when one event was.',
        resolve: (e) => (typeof e.extensions.position === 'number' ? e.extensions.position : null),
      }),
      retryAfterMs: t.int({
        nullable: true,
        description: 'RATE_LIMITED: when sending it again may succeed.',
        resolve: (e) => (typeof e.extensions.retryAfterMs === 'number' ? e.extensions.retryAfterMs : null),
      }),
    }),
  });

  type Indexed = { index: number; result: BatchResult };

  const PublishResultRef = builder.objectRef<Indexed>('PublishResult').implement({
    description: 'What became of the event at `index`: its place in the log, or `error`.',
    fields: (t) => ({
      index: t.exposeInt('index', { description: 'Position in `inputs`.' }),
      id: t.id({ nullable: true, resolve: ({ result: r }) => (r.ok ? r.id : null) }),
      cursor: t.string({ nullable: true, resolve: ({ result: r }) => (r.ok ? r.cursor : null) }),
      sequence: t.field({ type: 'SafeInt', nullable: true, resolve: ({ result: r }) => (r.ok ? r.sequence : null) }),
      duplicate: t.boolean({
        description: 'True when an earlier event had the same `idempotencyKey`: this is that event, published once.',
        resolve: ({ result: r }) => r.ok && r.duplicate,
      }),
      error: t.field({
        type: PublishErrorRef,
        nullable: true,
        resolve: ({ result: r }) => (r.ok ? null : { message: r.error.message, extensions: r.error.extensions }),
      }),
    }),
  });

  builder.mutationField('publishEvents', (t) =>
    t.field({
      type: [PublishResultRef],
      description:
        "For app backends (a service token, or an API key of the organization): up to 1,000 events, each organization's appended all or none in the order given, then delivered live. One result per input, in order. Send the inputs as a variable.",
      authScopes: { loggedIn: true, apiKey: true },
      args: { inputs: t.arg({ type: [PublishEventInput], required: true }) },
      resolve: async (_root, { inputs }, ctx) => {
        const log = () => operationLog(ctx);
        const results = await publishBatch(ctx.services, ctx.viewer, inputs.map(fromPublishEventInput), log);
        return results.map((result, index) => ({ index, result }));
      },
    }),
  );
}
