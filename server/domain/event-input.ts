import type { DomainLimits } from '../context.js';
import { badInput, forbidden } from '../errors.js';

export const BUILT_IN_CHANNELS = ['user', 'property', 'organization', 'system', 'notifications'] as const;
export const BUILT_IN_TYPES = [
  'user.activity',
  'property.update',
  'member.join',
  'member.leave',
  'organization.change',
  'notification.new',
  'system.alert',
  'data.sync',
] as const;
/** Event types under these prefixes are written by the server itself, never by a client. */
export const SERVER_ONLY_TYPE_PREFIXES = ['member.', 'organization.', 'notification.'] as const;

/** Channel and type names: lower-case words separated by dots, e.g. `property`, `content.updated`. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}(\.[a-z0-9_-]{1,32}){0,3}$/;

/** An event as a client asks to publish it, on any path (GraphQL, the HTTP API, a change feed). */
export interface PublishInput {
  orgId: string;
  channel: string;
  type: string;
  subjectId?: string | null;
  payload?: unknown;
}

/**
 * The one check of a client's event before it may be appended, on every path: names, subject, server-only
 * types, payload size. Throws the error the client gets (BAD_USER_INPUT, FORBIDDEN); returns the payload as
 * stored (`null` when absent).
 */
export function checkEventInput(limits: DomainLimits, input: PublishInput): unknown {
  if (!NAME_PATTERN.test(input.channel)) throw badInput(nameRule('channel', input.channel));
  if (!NAME_PATTERN.test(input.type)) throw badInput(nameRule('type', input.type));
  if (
    input.subjectId !== undefined &&
    input.subjectId !== null &&
    (input.subjectId.length < 1 || input.subjectId.length > 128)
  ) {
    throw badInput('subjectId must be 1 to 128 characters.');
  }
  if (SERVER_ONLY_TYPE_PREFIXES.some((p) => input.type.startsWith(p))) {
    throw forbidden(
      `Events of type "${input.type}" are published by the server itself (reserved: ${SERVER_ONLY_TYPE_PREFIXES.join('*, ')}*).`,
    );
  }
  const payload = input.payload ?? null;
  const size = payload === null ? 0 : Buffer.byteLength(JSON.stringify(payload));
  if (size > limits.maxPayloadBytes)
    throw badInput(`payload is ${size} bytes; the limit is ${limits.maxPayloadBytes} bytes.`);
  return payload;
}

const nameRule = (what: string, value: string) =>
  `${what} "${value.slice(0, 64)}" must be lower-case words joined by dots, like "property" or "content.updated" (at most 4 parts).`;
