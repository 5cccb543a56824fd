import { ROLES } from '../store/types.js';
import type { JsonSchema } from './json-schema.js';

/** A catalog entry: what the type means, and the JSON Schema of its payload. */
export interface CatalogEntry {
  description?: string;
  payload: JsonSchema;
}

const role = (description: string): JsonSchema => ({ title: 'MemberRole', enum: [...ROLES], description });

/** `member.*` payloads, as domain/organizations.ts writes them (memberEvent). */
const memberChange = (description: string): CatalogEntry => ({
  description,
  payload: {
    type: 'object',
    required: ['member'],
    additionalProperties: false,
    properties: {
      member: {
        title: 'MembershipChange',
        description: 'The membership the event is about, as it is after the change.',
        type: 'object',
        required: ['userId', 'role'],
        additionalProperties: false,
        properties: {
          userId: { type: 'string' },
          role: role('The role after the change.'),
          previousRole: role('The role before a `member.update`.'),
        },
      },
    },
  },
});

/** App-facing built-ins accept any object (or none); the fields named are the ones the examples use. */
const free = (description: string, properties?: Record<string, JsonSchema>): CatalogEntry => ({
  description,
  payload: { type: ['object', 'null'], ...(properties ? { properties } : {}) },
});

/**
 * The types every server knows. Server-only ones (`member.*`, `organization.*`, `notification.*`) are
 * written by the server and have the exact shapes it writes; an operator's catalog may not redefine them.
 * The app-facing ones are permissive, and an operator's catalog may redefine them (web/catalog.demo.json
 * does, for `property.update`).
 */
export const BUILT_IN_EVENT_TYPES: Readonly<Record<string, CatalogEntry>> = {
  'member.join': memberChange('A user joined the organization (or was added to it).'),
  'member.leave': memberChange('A user left the organization (or was removed).'),
  'member.update': memberChange("A member's role changed."),
  'member.access_revoked': {
    description:
      "The app took back the user's access to a guarded channel or one subject of it (only that user receives this).",
    payload: {
      type: 'object',
      required: ['access'],
      additionalProperties: false,
      properties: {
        access: {
          title: 'RevokedAccess',
          type: 'object',
          required: ['userId', 'channel', 'subjectId'],
          additionalProperties: false,
          properties: {
            userId: { type: 'string' },
            channel: { type: 'string' },
            subjectId: { type: ['string', 'null'], description: 'Null: the whole channel.' },
          },
        },
      },
    },
  },
  'organization.change': {
    description: 'The organization was renamed.',
    payload: {
      type: 'object',
      required: ['organization'],
      additionalProperties: false,
      properties: {
        organization: {
          description: 'The organization as it is after the change.',
          type: 'object',
          required: ['id', 'name'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, name: { type: 'string' } },
        },
      },
    },
  },
  'organization.rule': {
    description: "A channel's rule changed (its subject is the channel): who may read and publish on it.",
    payload: {
      type: 'object',
      required: ['rule'],
      additionalProperties: false,
      properties: {
        rule: {
          title: 'ChannelRuleChange',
          description: 'The rule as it is after the change (VIEWER and MEMBER: the defaults, no rule).',
          type: 'object',
          required: ['channel', 'subscribeRole', 'publishRole'],
          additionalProperties: false,
          properties: {
            channel: { type: 'string' },
            subscribeRole: role('Least role that may subscribe to the channel and read its history.'),
            publishRole: role('Least role that may publish on it.'),
          },
        },
      },
    },
  },
  'notification.new': {
    description: 'A notification for the recipients (nobody else receives this event).',
    payload: {
      type: 'object',
      required: ['title', 'body', 'data'],
      additionalProperties: false,
      properties: {
        title: { type: 'string' },
        body: { type: ['string', 'null'] },
        data: { description: "The sender's `data`, any JSON." },
      },
    },
  },
  'property.update': free('Something about a property changed (its subject is the property).', {
    price: { type: 'number', description: 'The new price, when it changed.' },
    address: { type: 'string' },
    status: { type: 'string' },
  }),
  'user.activity': free('Something a user did, for activity feeds.'),
  'system.alert': free('A message for everyone in the organization.', { message: { type: 'string' } }),
  'data.sync': free('Data changed elsewhere: clients refetch what they show.'),
};
