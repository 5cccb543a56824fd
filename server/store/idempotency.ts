import { appendToLogs } from './log-append.js';
import { lockLogs } from './log-locks.js';
import type { Db, EventRecord, NewEvent } from './types.js';

/**
 * Appends with idempotency keys: an event whose `(org, key)` already named an event is not appended again;
 * its outcome points at that first event. Same SQL for SQLite and PostgreSQL.
 */

/** What became of one event of an append request, at its position. */
export type AppendOutcome =
  | { duplicate: false; event: EventRecord }
  /** Its key already named an event (an earlier call, or an earlier position of this one): nothing appended. */
  | { duplicate: true; original: { id: string; seq: number } };

/** Told how many events are about to be appended (duplicates left out); throws to refuse them all. */
export type AdmitAppend = (count: number) => void;

/** One caller's events: its events, their keys (same length; undefined = none), its admission. */
export interface AppendRequest {
  events: readonly NewEvent[];
  keys: readonly (string | undefined)[];
  /** Told how many of its events are new (duplicates left out); throws to refuse this request alone. */
  admit: AdmitAppend;
}

/** What became of one request: its outcomes, position by position, or why it was refused (nothing of it stored). */
export type RequestResult = { ok: true; outcomes: AppendOutcome[] } | { ok: false; error: unknown };

/**
 * Several callers' events, of several organizations, in one transaction (the group commit): each request is
 * planned against its organization's keys already stored and those claimed by the requests before it, admitted
 * or refused on its own, and the new events of the admitted ones are appended together, each organization's in
 * request order with consecutive sequences (appendToLogs: one UPDATE and multi-row INSERTs for all of them). A
 * key repeated within or across requests publishes once; later positions point at the first.
 *
 * Exact under concurrency: before the keys are read, the organizations' rows are locked (the lock every append
 * takes, in id order), so a second transaction with the same key waits until the first commits, and under READ
 * COMMITTED (PostgreSQL's default; SQLite runs one transaction at a time) its next statement sees the first's
 * keys. The primary key on (org_id, key) makes a second event for one key impossible even so.
 */
export async function appendRequestsByOrg(
  db: Db,
  groups: ReadonlyArray<{ orgId: string; requests: readonly AppendRequest[] }>,
  {
    locked = false,
  }: { /** The caller holds the organizations' row locks already (lockLogs). */ locked?: boolean } = {},
): Promise<RequestResult[][]> {
  if (!locked)
    await lockLogs(
      db,
      groups.map((g) => g.orgId),
      'wait',
    );
  const keysOf = (g: (typeof groups)[number]) => [
    ...new Set(g.requests.flatMap((r) => r.keys.filter((k): k is string => k !== undefined))),
  ];
  const keyed = groups.map((g) => ({ orgId: g.orgId, keys: keysOf(g) })).filter((g) => g.keys.length > 0);
  const known = keyed.length > 0 ? await findPublished(db, keyed) : new Map();
  const planned = groups.map((g) => {
    const fresh: NewEvent[] = [];
    const firstOf = new Map<string, number>();
    const orgKnown = known.get(g.orgId) ?? new Map();
    const plans = g.requests.map((request) => planRequest(request, orgKnown, fresh, firstOf));
    return { orgId: g.orgId, fresh, firstOf, plans };
  });
  const appended = await appendToLogs(
    db,
    planned.map((p) => ({ orgId: p.orgId, inputs: p.fresh })),
  );
  await recordKeys(
    db,
    planned.flatMap((p) =>
      [...p.firstOf].map(([key, i]) => ({ orgId: p.orgId, key, seq: (appended.get(p.orgId)?.[i] as EventRecord).seq })),
    ),
  );
  return planned.map((p) => outcomesOf(p.plans, appended.get(p.orgId) ?? []));
}

/** The requests' results, position by position, once their organization's new events are stored. */
function outcomesOf(plans: ReadonlyArray<{ steps: Step[] } | { error: unknown }>, appended: readonly EventRecord[]) {
  const claimed = new Set<number>();
  return plans.map((plan): RequestResult => {
    if (!('steps' in plan)) return { ok: false, error: plan.error };
    const outcomes = plan.steps.map((p): AppendOutcome => {
      if ('original' in p) return { duplicate: true, original: p.original };
      const event = appended[p.fresh] as EventRecord;
      if (claimed.has(p.fresh)) return { duplicate: true, original: { id: event.id, seq: event.seq } };
      claimed.add(p.fresh);
      return { duplicate: false, event };
    });
    return { ok: true, outcomes };
  });
}

type Step = { original: { id: string; seq: number } } | { fresh: number };

/**
 * One request's positions: a known event, or an index into `fresh` (a key's first position appends, later ones
 * refer). Its new events and keys join `fresh` and `firstOf` only once it is admitted.
 */
function planRequest(
  request: AppendRequest,
  known: ReadonlyMap<string, { id: string; seq: number }>,
  fresh: NewEvent[],
  firstOf: Map<string, number>,
): { steps: Step[] } | { error: unknown } {
  const mine: NewEvent[] = [];
  const myFirst = new Map<string, number>();
  const steps = request.events.map((input, i): Step => {
    const key = request.keys[i];
    const original = key === undefined ? undefined : known.get(key);
    if (original) return { original };
    const earlier = key === undefined ? undefined : (firstOf.get(key) ?? myFirst.get(key));
    if (earlier !== undefined) return { fresh: earlier };
    const at = fresh.length + mine.length;
    if (key !== undefined) myFirst.set(key, at);
    mine.push(input);
    return { fresh: at };
  });
  try {
    if (mine.length > 0) request.admit(mine.length);
  } catch (error) {
    return { error };
  }
  fresh.push(...mine);
  for (const [key, at] of myFirst) firstOf.set(key, at);
  return { steps };
}

const KEYS_PER_QUERY = 500;

/** The events already published under these keys, per organization (a key goes with its event). */
async function findPublished(
  db: Db,
  groups: ReadonlyArray<{ orgId: string; keys: readonly string[] }>,
): Promise<Map<string, Map<string, { id: string; seq: number }>>> {
  const out = new Map<string, Map<string, { id: string; seq: number }>>();
  for (const { orgId, keys } of groups) {
    const found = new Map<string, { id: string; seq: number }>();
    out.set(orgId, found);
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const rows = await db
        .selectFrom('idempotency_keys as k')
        .innerJoin('events as e', (join) => join.onRef('e.org_id', '=', 'k.org_id').onRef('e.seq', '=', 'k.seq'))
        .select(['k.key', 'e.id', 'e.seq'])
        .where('k.org_id', '=', orgId)
        .where('k.key', 'in', keys.slice(i, i + KEYS_PER_QUERY))
        .execute();
      for (const r of rows) found.set(r.key, { id: r.id, seq: Number(r.seq) });
    }
  }
  return out;
}

async function recordKeys(db: Db, entries: ReadonlyArray<{ orgId: string; key: string; seq: number }>) {
  const now = Date.now();
  for (let i = 0; i < entries.length; i += KEYS_PER_QUERY) {
    await db
      .insertInto('idempotency_keys')
      .values(
        entries.slice(i, i + KEYS_PER_QUERY).map((e) => ({ org_id: e.orgId, key: e.key, seq: e.seq, created_at: now })),
      )
      .execute();
  }
}
