import { subscriberTransportOf } from '../domain/console.js';
import { z } from 'zod';
import { sessionGuard } from '../auth/session.js';
import { type EventCatalog, typedPayload } from '../catalog/catalog.js';
import * as events from '../domain/events.js';
import type { Actor, EventRecord, Role } from '../store/types.js';
import type { ArgBuilder } from '@pothos/core';
import type { Builder, Types } from './builder.js';
import { addEventData } from './event-data.js';
import type { OrganizationRefs } from './organization.js';
import { type PublishEventInputRef, fromPublishEventInput, publishEventInput } from './publish-input.js';

type MemberData = { userId: string; role: Role; previousRole?: Role };
type OrgData = { id: string; name: string };

/** Events: their types (typed payloads from the catalog), history, publishing and the live subscription. */
export function addEventSchema(
  builder: Builder,
  organizations: OrganizationRefs,
  catalog: EventCatalog,
): { PublishEventInput: PublishEventInputRef } {
  const EventRef = eventType(builder, organizations, catalog);
  const EventConnectionRef = connectionTypes(builder, EventRef);
  const PublishEventInput = eventQueryAndMutation(builder, EventRef, EventConnectionRef, organizations.RoleEnum);
  eventSubscription(builder, EventRef);
  return { PublishEventInput };
}

type EventRefType = ReturnType<typeof eventType>;

/** What narrows events, in history and live alike: the organization, channels, types and subjects. */
const filterArgs = (arg: ArgBuilder<Types>) => ({
  orgId: arg.id({ required: true }),
  channels: arg.stringList({ required: false, validate: nameList('channel') }),
  types: arg.stringList({ required: false, validate: nameList('type') }),
  subjectIds: arg.idList({ required: false, validate: idList }),
});

const payloadField = <K extends string>(e: EventRecord, key: K): unknown =>
  e.payload !== null && typeof e.payload === 'object' ? (e.payload as Record<string, unknown>)[key] : undefined;

/** The parts of an Event that are not the catalog's: its actor, and the member and organization it names. */
function eventParts(builder: Builder, { RoleEnum }: OrganizationRefs) {
  const ActorRef = builder.objectRef<Actor>('Actor').implement({
    description: 'Who caused an event: a user, or a backend service.',
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name', { nullable: true }),
      isService: t.exposeBoolean('isService'),
    }),
  });
  const EventMemberRef = builder.objectRef<MemberData>('EventMember').implement({
    description: 'The membership a `member.*` event is about.',
    fields: (t) => ({
      userId: t.exposeID('userId'),
      role: t.field({ type: RoleEnum, resolve: (m) => m.role }),
      previousRole: t.field({ type: RoleEnum, nullable: true, resolve: (m) => m.previousRole ?? null }),
    }),
  });
  const EventOrganizationRef = builder.objectRef<OrgData>('EventOrganization').implement({
    description: 'The organization as it was after an `organization.change` event.',
    fields: (t) => ({ id: t.exposeID('id'), name: t.exposeString('name') }),
  });
  return { ActorRef, EventMemberRef, EventOrganizationRef };
}

function eventType(builder: Builder, organizations: OrganizationRefs, catalog: EventCatalog) {
  const { ActorRef, EventMemberRef, EventOrganizationRef } = eventParts(builder, organizations);
  const EventDataRef = addEventData(builder, catalog);
  return builder.objectRef<EventRecord>('Event').implement({
    description: "One event of an organization's ordered log.",
    fields: (t) => ({
      id: t.exposeID('id'),
      orgId: t.exposeID('orgId'),
      cursor: t.string({
        description: "Opaque position in the organization's log: pass it as `after` to resume.",
        resolve: events.cursorOf,
      }),
      sequence: t.field({
        type: 'SafeInt',
        description: "Position in the organization's log; strictly increasing, no holes.",
        resolve: (e) => e.seq,
      }),
      channel: t.exposeString('channel'),
      type: t.exposeString('type'),
      subjectId: t.exposeID('subjectId', { nullable: true }),
      payload: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.payload ?? null }),
      data: t.field({
        type: EventDataRef,
        nullable: true,
        description:
          "The payload, typed by the server's event catalog: set when the event's type declares payload fields and the payload matches them (one stored before its type was declared, or declared otherwise, may not); `payload` has it either way.",
        // Depends on the event alone, as every Event field must: results are shared by all subscribers.
        resolve: (e) => typedPayload(catalog, e.type, e.payload),
      }),
      actor: t.field({ type: ActorRef, resolve: (e) => e.actor }),
      occurredAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.occurredAt) }),
      member: t.field({
        type: EventMemberRef,
        nullable: true,
        description: 'Set on `member.join`, `member.leave` and `member.update`.',
        resolve: (e) =>
          e.type.startsWith('member.') ? ((payloadField(e, 'member') as MemberData | undefined) ?? null) : null,
      }),
      organization: t.field({
        type: EventOrganizationRef,
        nullable: true,
        description: 'Set on `organization.change`.',
        resolve: (e) =>
          e.type === 'organization.change' ? ((payloadField(e, 'organization') as OrgData | undefined) ?? null) : null,
      }),
    }),
  });
}

function connectionTypes(builder: Builder, EventRef: EventRefType) {
  const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });
  const EventEdgeRef = builder.objectRef<EventRecord>('EventEdge').implement({
    fields: (t) => ({
      cursor: t.string({ resolve: events.cursorOf }),
      node: t.field({ type: EventRef, resolve: (e) => e }),
    }),
  });
  return builder.objectRef<events.EventPage>('EventConnection').implement({
    fields: (t) => ({
      edges: t.field({ type: [EventEdgeRef], resolve: (p) => p.events }),
      nodes: t.field({ type: [EventRef], resolve: (p) => p.events }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (p) => {
          const last = p.events.at(-1);
          return { hasNextPage: p.hasNextPage, endCursor: p.endCursor ?? (last ? events.cursorOf(last) : null) };
        },
      }),
    }),
  });
}

const name = (what: string) =>
  z
    .string()
    .regex(
      events.NAME_PATTERN,
      `${what} must be lower-case words joined by dots, like "property" or "content.updated" (at most 4 parts)`,
    );
const nameList = (what: string) => z.array(name(what)).max(50, `at most 50 ${what}s`);
const idList = z.array(z.string().max(128)).max(100, 'at most 100 subjectIds');

function eventQueryAndMutation(
  builder: Builder,
  EventRef: EventRefType,
  EventConnectionRef: ReturnType<typeof connectionTypes>,
  RoleEnum: OrganizationRefs['RoleEnum'],
): PublishEventInputRef {
  const PublishEventInput = publishEventInput(builder, RoleEnum);
  builder.queryField('events', (t) =>
    t.field({
      type: EventConnectionRef,
      description:
        'Stored history of an organization, oldest first, paged with the same cursors as the live stream. With `last`, the newest `last` events (still oldest first), and `pageInfo.endCursor` is where the live stream continues: subscribe `after` it.',
      authScopes: { loggedIn: true },
      args: {
        ...filterArgs(t.arg),
        first: t.arg.int({ required: false }),
        after: t.arg.string({ required: false }),
        last: t.arg.int({ required: false }),
        before: t.arg.string({
          required: false,
          description: 'With `last`: the newest `last` events before this cursor (paging back).',
        }),
        since: t.arg({ type: 'DateTime', required: false, description: 'Only events that occurred at or after.' }),
        until: t.arg({ type: 'DateTime', required: false, description: 'Only events that occurred at or before.' }),
      },
      resolve: (_root, args, ctx) =>
        events.listEventHistory(
          ctx.services,
          ctx.viewer,
          { ...args, orgId: String(args.orgId), subjectIds: args.subjectIds?.map(String) },
          ctx.responseBudget,
        ),
    }),
  );
  builder.mutationField('publishEvent', (t) =>
    t.field({
      type: EventRef,
      description:
        "Appends an event to the organization's log, then delivers it live. Returns the stored event (with an `idempotencyKey` already used: the first event, and nothing is published).",
      authScopes: { loggedIn: true, apiKey: true },
      args: { input: t.arg({ type: PublishEventInput, required: true }) },
      resolve: (_root, { input }, ctx) => events.publishEvent(ctx.services, ctx.viewer, fromPublishEventInput(input)),
    }),
  );
  return PublishEventInput;
}

function eventSubscription(builder: Builder, EventRef: EventRefType): void {
  builder.subscriptionField('events', (t) =>
    t.field({
      type: EventRef,
      description:
        'Live events of one organization, narrowed by channel, type and subject. With `after` (or an SSE `Last-Event-ID`), stored events after that cursor come first. ' +
        'Every result carries its cursor in `extensions.cursor`. ' +
        `A first event of type "${events.RESYNC_TYPE}" means the cursor could not be resumed from: reload history.`,
      authScopes: { loggedIn: true },
      args: {
        ...filterArgs(t.arg),
        after: t.arg.string({ required: false }),
      },
      subscribe: (_root, args, ctx) =>
        events.subscribeEvents(
          ctx.services,
          ctx.viewer,
          {
            ...args,
            orgId: String(args.orgId),
            subjectIds: args.subjectIds?.map(String),
            after: args.after ?? ctx.lastEventId,
          },
          sessionGuard(ctx.session),
          subscriberTransportOf(ctx.session),
        ),
      resolve: (event) => event,
    }),
  );
}
