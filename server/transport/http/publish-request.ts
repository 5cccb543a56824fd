import type { BatchEventInput } from '../../domain/publish-batch.js';

/**
 * The body of `POST /v1/events`, parsed and checked for shape only (the rules of each event are the domain's):
 * `{ "events": [ { orgId, channel, type, subjectId?, payload?, audience?, idempotencyKey? }, … ] }`. Returns the events;
 * or the reasons the body was refused (at most a few, each naming where and what arrived); or, for a batch over
 * the limit, its size (told before any event is looked at).
 */
export type ParsedBody =
  { ok: true; events: BatchEventInput[] } | { ok: false; problems: string[] } | { ok: false; tooMany: number };

const FIELDS: Record<string, 'string' | 'string?' | 'json'> = {
  orgId: 'string',
  channel: 'string',
  type: 'string',
  subjectId: 'string?',
  payload: 'json',
  // Checked by the domain (checkAudience), which names what is wrong inside it.
  audience: 'json',
  idempotencyKey: 'string?',
};
const FIELD_LIST = Object.keys(FIELDS).join(', ');
const MAX_PROBLEMS = 5;

export function parsePublishBody(text: string, maxEvents: number): ParsedBody {
  if (text.trim() === '') return refuse('Request body is empty: send {"events": [ … ]} as JSON.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return refuse(`Request body is not valid JSON (${(err as Error).message}).`);
  }
  if (!isObject(body)) return refuse(`Request body must be a JSON object {"events": [ … ]}, not ${kind(body)}.`);
  const extra = Object.keys(body).filter((k) => k !== 'events');
  if (extra.length > 0)
    return refuse(`Request body has unknown fields (${extra.slice(0, 5).join(', ')}); it holds "events" only.`);
  const events = body.events;
  if (events === undefined) return refuse('Request body has no "events": send {"events": [ … ]}.');
  if (!Array.isArray(events)) return refuse(`"events" must be an array of events, not ${kind(events)}.`);
  if (events.length > maxEvents) return { ok: false, tooMany: events.length };
  const problems = events.flatMap((e, i) => shapeProblems(e, i));
  if (problems.length > 0) return refuse(...problems.slice(0, MAX_PROBLEMS), ...more(problems.length));
  return { ok: true, events: events as BatchEventInput[] };
}

function shapeProblems(event: unknown, i: number): string[] {
  if (!isObject(event)) return [`events[${i}] must be an object, not ${kind(event)}.`];
  const problems: string[] = [];
  for (const key of Object.keys(event)) {
    if (!(key in FIELDS)) problems.push(`events[${i}].${key.slice(0, 64)} is not a field (fields: ${FIELD_LIST}).`);
  }
  for (const [field, rule] of Object.entries(FIELDS)) {
    const value = event[field];
    if (rule === 'json') continue;
    if (value === undefined && rule === 'string') problems.push(`events[${i}].${field} is required (a string).`);
    else if (value !== undefined && typeof value !== 'string' && !(value === null && rule === 'string?'))
      problems.push(
        `events[${i}].${field} must be a string${rule === 'string?' ? ' or null' : ''}, not ${kind(value)}.`,
      );
  }
  return problems;
}

const refuse = (...problems: string[]): ParsedBody => ({ ok: false, problems });
const more = (n: number) => (n > MAX_PROBLEMS ? [`…and ${n - MAX_PROBLEMS} more.`] : []);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
