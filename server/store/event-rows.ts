import { ROLES, type EventRecord, type EventsTable, type Role } from './types.js';

/** An event as a row of `events`, and back: one mapping for every query of the log. */
export function toRow(e: EventRecord): EventsTable {
  return {
    org_id: e.orgId,
    seq: e.seq,
    id: e.id,
    channel: e.channel,
    type: e.type,
    subject_id: e.subjectId,
    payload: e.payload === undefined || e.payload === null ? null : JSON.stringify(e.payload),
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    actor_is_service: e.actor.isService ? 1 : 0,
    occurred_at: e.occurredAt,
    restricted: e.audience ? 1 : 0,
    audience_roles: e.audience?.roles.length ? `,${e.audience.roles.join(',')},` : null,
  };
}

export function fromRow(r: EventsTable): EventRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    seq: Number(r.seq),
    channel: r.channel,
    type: r.type,
    subjectId: r.subject_id,
    payload: r.payload === null ? null : JSON.parse(r.payload),
    actor: { id: r.actor_id, name: r.actor_name, isService: Number(r.actor_is_service) === 1 },
    occurredAt: Number(r.occurred_at),
  };
}

/** The roles of a restricted row's audience (its users are in `event_audience`). */
export const rolesOfRow = (r: Pick<EventsTable, 'audience_roles'>): Role[] =>
  (r.audience_roles ?? '').split(',').filter((x): x is Role => (ROLES as readonly string[]).includes(x));
