import { BUILT_IN_EVENT_TYPES } from '../catalog/built-in-types.js';
import { NAME_PATTERN, SERVER_ONLY_TYPE_PREFIXES, isServerOnlyType } from '../catalog/event-names.js';
import type { Services } from '../context.js';
import { badInput, forbidden, payloadMismatch } from '../errors.js';
import { ROLES, type Audience, type Role } from '../store/types.js';

export { NAME_PATTERN, SERVER_ONLY_TYPE_PREFIXES } from '../catalog/event-names.js';
export const BUILT_IN_CHANNELS = ['user', 'property', 'organization', 'system', 'notifications'] as const;
/** The types of the default event catalog (server/catalog/built-in-types.ts). */
export const BUILT_IN_TYPES = Object.keys(BUILT_IN_EVENT_TYPES);

/** An event as a client asks to publish it, on any path (GraphQL, the HTTP API, a change feed). */
export interface PublishInput {
  orgId: string;
  channel: string;
  type: string;
  subjectId?: string | null;
  payload?: unknown;
  /** Only these users and roles receive the event; absent = every member. Unchecked (the HTTP API's JSON). */
  audience?: unknown;
}

/** An event as it may be stored: its payload (`null` when absent) and its audience (absent = every member). */
export interface CheckedEvent {
  payload: unknown;
  audience?: Audience;
}

/** Most users one event's audience may name (as many as a notification's recipients). */
export const MAX_AUDIENCE_USERS = 100;

/**
 * The one check of a client's event before it may be appended, on every path: names, subject, server-only
 * types, payload size, and the payload against its type's declaration in the event catalog (undeclared types
 * take any payload), its audience. Throws the error the client gets (BAD_USER_INPUT, FORBIDDEN); returns the
 * payload and audience as stored.
 */
export function checkEventInput(services: Pick<Services, 'limits' | 'catalog'>, input: PublishInput): CheckedEvent {
  const { limits, catalog } = services;
  if (!NAME_PATTERN.test(input.channel)) throw badInput(nameRule('channel', input.channel));
  if (!NAME_PATTERN.test(input.type)) throw badInput(nameRule('type', input.type));
  if (
    input.subjectId !== undefined &&
    input.subjectId !== null &&
    (input.subjectId.length < 1 || input.subjectId.length > 128)
  ) {
    throw badInput('subjectId must be 1 to 128 characters.');
  }
  if (isServerOnlyType(input.type)) {
    throw forbidden(
      `Events of type "${input.type}" are published by the server itself (reserved: ${SERVER_ONLY_TYPE_PREFIXES.join('*, ')}*).`,
    );
  }
  const payload = input.payload ?? null;
  const size = payload === null ? 0 : Buffer.byteLength(JSON.stringify(payload));
  if (size > limits.maxPayloadBytes)
    throw badInput(`payload is ${size} bytes; the limit is ${limits.maxPayloadBytes} bytes.`);
  // After the size check: the validator never walks more than the limit.
  const problems = catalog.types.get(input.type)?.check(payload) ?? [];
  if (problems.length > 0) throw payloadMismatch(input.type, problems);
  const audience = checkAudience(input.audience);
  return audience ? { payload, audience } : { payload };
}

/**
 * `{ userIds?: [string], roles?: [Role] }` → the audience to store (ids and roles once each), or BAD_USER_INPUT.
 * An audience naming nobody is refused: leaving it out is how an event reaches everyone.
 */
export function checkAudience(raw: unknown): Audience | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw badInput('audience must be an object { userIds?: [string], roles?: [Role] }.');
  const { userIds = [], roles = [], ...extra } = raw as Record<string, unknown>;
  const unknownFields = Object.keys(extra);
  if (unknownFields.length > 0)
    throw badInput(
      `audience has unknown fields (${unknownFields.slice(0, 3).join(', ')}); it takes userIds and roles.`,
    );
  const ids = stringList(userIds ?? [], 'audience.userIds');
  if (ids.some((id) => id.length < 1 || id.length > 128))
    throw badInput('audience.userIds must be 1 to 128 characters each.');
  const users = [...new Set(ids)];
  if (users.length > MAX_AUDIENCE_USERS)
    throw badInput(`audience names ${users.length} users; at most ${MAX_AUDIENCE_USERS} per event.`);
  const named = stringList(roles ?? [], 'audience.roles');
  const wrong = named.find((r) => !(ROLES as readonly string[]).includes(r));
  if (wrong !== undefined)
    throw badInput(`audience.roles: "${wrong.slice(0, 32)}" is not a role (${ROLES.join(', ')}).`);
  if (users.length === 0 && named.length === 0)
    throw badInput('audience names nobody: give userIds or roles, or leave audience out to reach every member.');
  return { userIds: users, roles: [...new Set(named)] as Role[] };
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw badInput(`${what} must be a list of strings.`);
  return value as string[];
}

const nameRule = (what: string, value: string) =>
  `${what} "${value.slice(0, 64)}" must be lower-case words joined by dots, like "property" or "content.updated" (at most 4 parts).`;
