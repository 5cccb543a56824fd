import { randomUUID } from 'node:crypto';

/**
 * Opaque ids with a type prefix: `org_…`, `evt_…`, `ntf_…`; 32 hex digits, the first 12 the creation time in
 * milliseconds and the rest random (74 bits, from a v4 UUID), as in a v7 UUID. Time first because ids are indexed
 * (events.id is unique): new ids land at the end of the index instead of on a random page of it, a third less
 * CPU per event insert on SQLite (scripts/bench/event-ids.ts, docs/benchmarks.md).
 */
export const newId = (prefix: string) =>
  `${prefix}_${Date.now().toString(16).padStart(12, '0')}${randomUUID().replaceAll('-', '').slice(12)}`;
