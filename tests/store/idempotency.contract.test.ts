import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findApiKey, insertApiKey, listApiKeys, revokeApiKey, touchApiKey } from '../../server/store/api-keys.js';
import {
  type AdmitAppend,
  type AppendOutcome,
  type AppendRequest,
  appendRequestsByOrg,
} from '../../server/store/idempotency.js';
import { insertOrganization, lastSeq, listEvents, newId } from '../../server/store/repository.js';
import { pruneEvents } from '../../server/store/retention.js';
import { type Store, createStore } from '../../server/store/store.js';
import type { Db, NewEvent } from '../../server/store/types.js';

/** One caller's events of one organization: its outcomes, or its refusal thrown. */
async function appendEventsOnce(
  db: Db,
  orgId: string,
  events: readonly NewEvent[],
  keys: readonly (string | undefined)[],
  admit: AdmitAppend = () => {},
): Promise<AppendOutcome[]> {
  const [result] = await appendRequests(db, orgId, [{ events, keys, admit }]);
  if (!result?.ok) throw result?.error;
  return result.outcomes;
}

/** Several callers of one organization in one transaction, as the group commit sends them. */
const appendRequests = async (db: Db, orgId: string, requests: readonly AppendRequest[]) =>
  (await appendRequestsByOrg(db, [{ orgId, requests }]))[0] ?? [];

// The idempotent append and the API key table, on every store (see store.contract.test.ts).
describe.each([
  { kind: 'sqlite', open: (dataDir: string) => createStore({ dataDir }) },
  { kind: 'postgres', open: (dataDir: string) => createStore({ databaseUrl: inject('postgresUrl'), dataDir }) },
])('$kind store', ({ kind, open }) => {
  let store: Store;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
    store = await open(dataDir);
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const event = (orgId: string, n: number): NewEvent => ({
    orgId,
    channel: 'property',
    type: 'property.update',
    subjectId: null,
    payload: { n },
    actor: { id: 'svc', name: null, isService: true },
  });
  const appendOnce = (s: Store, orgId: string, keys: Array<string | undefined>, admit?: (n: number) => void) =>
    s.transaction((tx) =>
      appendEventsOnce(
        tx,
        orgId,
        keys.map((_, i) => event(orgId, i)),
        keys,
        admit,
      ),
    );
  const seqs = async (orgId: string) =>
    (await listEvents(store.db, { orgId, afterSeq: 0, limit: 1_000 })).map((e) => e.seq);
  const seqOf = (o: AppendOutcome) => (o.duplicate ? o.original.seq : o.event.seq);

  describe('appendEventsOnce', () => {
    it('appends an event once per key: a retry points at the original and appends nothing', async () => {
      const org = await insertOrganization(store.db, 'Once');
      const first = await appendOnce(store, org.id, ['a', undefined, 'b']);
      expect(first.map((o) => o.duplicate)).toEqual([false, false, false]);
      expect(first.map(seqOf)).toEqual([1, 2, 3]);
      const retry = await appendOnce(store, org.id, ['b', 'a', 'c', undefined]);
      expect(retry.map((o) => o.duplicate)).toEqual([true, true, false, false]);
      const firstB = first[2] as Extract<AppendOutcome, { duplicate: false }>;
      expect(retry[0]).toEqual({ duplicate: true, original: { id: firstB.event.id, seq: 3 } });
      expect(retry.map(seqOf)).toEqual([3, 1, 4, 5]);
      expect(await seqs(org.id)).toEqual([1, 2, 3, 4, 5]);
    });

    it('a key repeated within one call appends once; later positions point at the first', async () => {
      const org = await insertOrganization(store.db, 'Repeated');
      const out = await appendOnce(store, org.id, ['x', 'x', 'y', 'x']);
      expect(out.map((o) => o.duplicate)).toEqual([false, true, false, true]);
      expect(out.map(seqOf)).toEqual([1, 1, 2, 1]);
      expect(await seqs(org.id)).toEqual([1, 2]);
    });

    it('keys are per organization', async () => {
      const a = await insertOrganization(store.db, 'A');
      const b = await insertOrganization(store.db, 'B');
      await appendOnce(store, a.id, ['same']);
      const inB = await appendOnce(store, b.id, ['same']);
      expect(inB[0]?.duplicate).toBe(false);
      expect(await seqs(b.id)).toEqual([1]);
    });

    it('tells admit the number of new events; a refusal writes neither events nor keys', async () => {
      const org = await insertOrganization(store.db, 'Admit');
      await appendOnce(store, org.id, ['k1']);
      const told: number[] = [];
      await expect(
        appendOnce(store, org.id, ['k1', 'k2', undefined], (n) => {
          told.push(n);
          throw new Error('over budget');
        }),
      ).rejects.toThrow('over budget');
      expect(told).toEqual([2]);
      expect(await seqs(org.id)).toEqual([1]);
      expect(await lastSeq(store.db, org.id)).toBe(1);
      // k2 was not recorded: it appends now.
      expect((await appendOnce(store, org.id, ['k2']))[0]?.duplicate).toBe(false);
    });

    it('a retry only of duplicates asks admit for nothing', async () => {
      const org = await insertOrganization(store.db, 'Nothing new');
      await appendOnce(store, org.id, ['k']);
      const told: number[] = [];
      await appendOnce(store, org.id, ['k'], (n) => told.push(n));
      expect(told).toEqual([]);
    });

    it('refuses an unknown organization', async () => {
      await expect(appendOnce(store, newId('org'), ['k'])).rejects.toThrow(/does not exist/);
    });

    it('concurrent calls with the same keys, on separate connections, append each key exactly once', async () => {
      const org = await insertOrganization(store.db, 'Racing');
      // PostgreSQL: a second store is a second pool, as on another instance. SQLite serves one process.
      const other = kind === 'postgres' ? await open(dataDir) : store;
      try {
        const keys = ['r1', 'r2', 'r3'];
        const calls = Array.from({ length: 12 }, (_, i) => appendOnce(i % 2 ? other : store, org.id, keys));
        const outcomes = await Promise.all(calls);
        expect(outcomes.filter((o) => !o[0]?.duplicate)).toHaveLength(1);
        for (const o of outcomes) expect(o.map(seqOf)).toEqual([1, 2, 3]);
        expect(await seqs(org.id)).toEqual([1, 2, 3]);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('retention removes the keys with their events: the key publishes again', async () => {
      const org = await insertOrganization(store.db, 'Pruned');
      const bystander = await insertOrganization(store.db, 'Not pruned');
      await appendOnce(store, org.id, ['old', 'kept']);
      await appendOnce(store, bystander.id, ['a', 'b']);
      // Only this organization: the PostgreSQL database is shared with the tests running beside this one.
      await pruneEvents(store, { maxAgeMs: 3_600_000, maxEventsPerOrg: 1 }, { orgIds: [org.id] });
      expect(await seqs(org.id)).toEqual([2]);
      expect(await seqs(bystander.id)).toEqual([1, 2]); // an organization not named keeps its log
      const keys = await store.db.selectFrom('idempotency_keys').select('key').where('org_id', '=', org.id).execute();
      expect(keys.map((k) => k.key)).toEqual(['kept']);
      const again = await appendOnce(store, org.id, ['old', 'kept']);
      expect(again.map((o) => o.duplicate)).toEqual([false, true]);
      expect(again.map(seqOf)).toEqual([3, 2]);
    });
  });

  describe('appendRequests (the group commit: several callers in one transaction)', () => {
    it('admits or refuses each caller alone, appends the admitted ones in order, and shares keys across callers', async () => {
      const org = await insertOrganization(store.db, 'Group');
      const request = (from: number, keys: Array<string | undefined>, refuse = false) => ({
        events: keys.map((_, i) => event(org.id, from + i)),
        keys,
        admit: () => {
          if (refuse) throw new Error('over budget');
        },
      });
      const results = await store.transaction((tx) =>
        appendRequests(tx, org.id, [request(0, ['a', undefined]), request(10, ['b'], true), request(20, ['a', 'c'])]),
      );
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      expect(results[1]).toMatchObject({ ok: false, error: { message: 'over budget' } });
      const [first, , third] = results as Array<Extract<(typeof results)[number], { ok: true }>>;
      expect(first!.outcomes.map(seqOf)).toEqual([1, 2]);
      // "a" was claimed by the first caller in the same transaction: the third caller's points at it.
      expect(third!.outcomes.map((o) => [o.duplicate, seqOf(o)])).toEqual([
        [true, 1],
        [false, 3],
      ]);
      const stored = await listEvents(store.db, { orgId: org.id, afterSeq: 0, limit: 10 });
      expect(stored.map((e) => (e.payload as { n: number }).n)).toEqual([0, 1, 21]);
      // The refused caller's key was not recorded: it publishes later.
      expect((await appendOnce(store, org.id, ['b']))[0]).toMatchObject({ duplicate: false });
    });
  });

  describe('api keys', () => {
    it('stores a key with its hash, lists it without, revokes once and records uses at most once a window', async () => {
      const org = await insertOrganization(store.db, 'Keys');
      const id = newId('key');
      const key = await insertApiKey(store.db, {
        id,
        orgId: org.id,
        name: 'ci',
        secretHash: 'h'.repeat(64),
        createdBy: 'alice',
      });
      expect(key).toMatchObject({
        id,
        orgId: org.id,
        name: 'ci',
        createdBy: 'alice',
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(await findApiKey(store.db, id)).toEqual({ ...key, secretHash: 'h'.repeat(64) });
      expect(await listApiKeys(store.db, org.id)).toEqual([key]);
      expect(JSON.stringify(await listApiKeys(store.db, org.id))).not.toContain('hhhh');

      await touchApiKey(store.db, id, 1_000_000, 1_000_000 - 60_000);
      await touchApiKey(store.db, id, 1_030_000, 1_030_000 - 60_000); // within the minute: no write
      expect((await findApiKey(store.db, id))?.lastUsedAt).toBe(1_000_000);
      await touchApiKey(store.db, id, 1_070_000, 1_070_000 - 60_000);
      expect((await findApiKey(store.db, id))?.lastUsedAt).toBe(1_070_000);

      expect((await revokeApiKey(store.db, id, 5))?.revokedAt).toBe(5);
      expect((await revokeApiKey(store.db, id, 9))?.revokedAt).toBe(5);
      expect(await revokeApiKey(store.db, newId('key'), 9)).toBeUndefined();
      expect(await findApiKey(store.db, newId('key'))).toBeUndefined();
    });
  });
});
