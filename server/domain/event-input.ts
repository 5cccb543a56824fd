import { BUILT_IN_EVENT_TYPES } from '../catalog/built-in-types.js';
import { NAME_PATTERN, SERVER_ONLY_TYPE_PREFIXES, isServerOnlyType } from '../catalog/event-names.js';
import type { Services } from '../context.js';
import { badInput, forbidden, payloadMismatch } from '../errors.js';

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
}

/**
 * The one check of a client's event before it may be appended, on every path: names, subject, server-only
 * types, payload size, and the payload against its type's declaration in the event catalog (undeclared types
 * take any payload). Throws the error the client gets (BAD_USER_INPUT, FORBIDDEN); returns the payload as
 * stored (`null` when absent).
 */
export function checkEventInput(services: Pick<Services, 'limits' | 'catalog'>, input: PublishInput): unknown {
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
  return payload;
}

const nameRule = (what: string, value: string) =>
  `${what} "${value.slice(0, 64)}" must be lower-case words joined by dots, like "property" or "content.updated" (at most 4 parts).`;
