import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  appendEvent,
  appendEvents,
  countOwnedOrganizations,
  deleteMembership,
  getMembership,
  insertOrganization,
  lastSeq,
  listEventPage,
  listEvents,
  listMembers,
  listOrganizationsOf,
  lockUser,
  newId,
  putMembership,
  upsertUser,
} from '../../server/store/repository.js';
import { migrationProvider } from '../../server/store/migrations.js';
import { type Store, createStore } from '../../server/store/store.js';
import type { Db, NewEvent, Role } from '../../server/store/types.js';

// One contract, every store: the embedded SQLite file and PostgreSQL (a fresh database per test run).
// Organizations and users get random ids, so no test depends on what another one left behind.
describe.each([
  { kind: 'sqlite', open: (dataDir: string) => createStore({ dataDir }) },
  { kind: 'postgres', open: (dataDir: string) => createStore({ databaseUrl: inject('postgresUrl'), dataDir }) },
])('$kind store', ({ kind, open }) => {
  let store: Store;
  let dataDir: string;
  const extraStores: Store[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
    store = await open(dataDir);
  });
  afterEach(async () => {
    await Promise.all(extraStores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const event = (orgId: string, over: Partial<NewEvent> = {}): NewEvent => ({
    orgId,
    channel: 'property',
    type: 'property.update',
    subjectId: null,
    payload: null,
    actor: { id: 'alice', name: 'Alice', isService: false },
    ...over,
  });
  const append = (orgId: string, over: Partial<NewEvent> = {}) =>
    store.transaction((tx) => appendEvent(tx, event(orgId, over)));
  const seqs = async (orgId: string) =>
    (await listEvents(store.db, { orgId, afterSeq: 0, limit: 1_000 })).map((e) => e.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const migrationNames = async (db: Db) =>
    (await sql<{ name: string }>`select name from switchboard_migrations order by name`.execute(db)).rows.map(
      (r) => r.name,
    );

  describe('commit mark', () => {
    it('moves with every commit, and stays put while nothing is written (SQLite; PostgreSQL is shared here)', async () => {
      const org = await insertOrganization(store.db, 'Marked');
      const before = await store.commitMark();
      if (kind === 'sqlite') {
        await lastSeq(store.db, org.id); // a read is no commit
        expect(await store.commitMark()).toBe(before);
      }
      await append(org.id);
      const afterAppend = await store.commitMark();
      expect(afterAppend).not.toBe(before);
      await store.db.updateTable('organizations').set({ last_seq: 0 }).where('id', '=', org.id).execute();
      expect(await store.commitMark()).not.toBe(afterAppend); // the log went back: it moves as well
    });
  });

  describe('migrations', () => {
    it('brings a new database up to date at start', async () => {
      expect(store.kind).toBe(kind);
      expect(await migrationNames(store.db)).toEqual(Object.keys(await migrationProvider.getMigrations()).sort());
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('opening the same database a second time is a no-op that sees the same data', async () => {
      const org = await insertOrganization(store.db, 'Reopened');
      await append(org.id);
      if (kind === 'sqlite') {
        // The embedded store serves one process: a second opener is refused while the first holds it.
        await expect(open(dataDir)).rejects.toThrow(/is in use by another Switchboard process/);
        await store.close();
        store = await open(dataDir);
      }
      const again = kind === 'sqlite' ? store : await open(dataDir);
      if (again !== store) extraStores.push(again);
      expect(await migrationNames(again.db)).toEqual(Object.keys(await migrationProvider.getMigrations()).sort());
      expect(await lastSeq(again.db, org.id)).toBe(1);
    });
  });

  describe('appendEvent', () => {
    it('numbers each organization 1, 2, 3… without holes, independently of the others', async () => {
      const a = await insertOrganization(store.db, 'A');
      const b = await insertOrganization(store.db, 'B');
      expect(await lastSeq(store.db, a.id)).toBe(0);
      const assigned: Array<[string, number]> = [];
      for (const org of [a, b, a, a, b, a]) assigned.push([org.id, (await append(org.id)).seq]);
      expect(assigned).toEqual([
        [a.id, 1],
        [b.id, 1],
        [a.id, 2],
        [a.id, 3],
        [b.id, 2],
        [a.id, 4],
      ]);
      expect(await seqs(a.id)).toEqual([1, 2, 3, 4]);
      expect(await seqs(b.id)).toEqual([1, 2]);
      expect(await lastSeq(store.db, a.id)).toBe(4);
      expect(await lastSeq(store.db, b.id)).toBe(2);
    });

    it('returns the stored record: fresh id, occurredAt, and everything it was given', async () => {
      const org = await insertOrganization(store.db, 'Record');
      const before = Date.now();
      const input = event(org.id, {
        subjectId: 'prop-1',
        payload: { price: 1 },
        actor: { id: 'svc', name: null, isService: true },
      });
      const appended = await store.transaction((tx) => appendEvent(tx, input));
      expect(appended).toMatchObject({ ...input, seq: 1 });
      expect(appended.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(appended.occurredAt).toBeGreaterThanOrEqual(before);
      expect(await listEvents(store.db, { orgId: org.id, afterSeq: 0, limit: 10 })).toEqual([appended]);
    });

    it('gives 40 concurrent appenders to one organization exactly 1..40', async () => {
      const org = await insertOrganization(store.db, 'Busy');
      const results = await Promise.all(range(1, 40).map((i) => append(org.id, { payload: { i } })));
      expect(results.map((e) => e.seq).sort((x, y) => x - y)).toEqual(range(1, 40));
      expect(new Set(results.map((e) => e.id)).size).toBe(40);
      expect(await seqs(org.id)).toEqual(range(1, 40));
      expect(await lastSeq(store.db, org.id)).toBe(40);
    });

    it('a rolled-back append leaves no event and does not use up its number', async () => {
      const org = await insertOrganization(store.db, 'Rollback');
      await append(org.id);
      await expect(
        store.transaction(async (tx) => {
          await appendEvent(tx, event(org.id, { type: 'doomed' }));
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await seqs(org.id)).toEqual([1]);
      expect(await lastSeq(store.db, org.id)).toBe(1);
      expect((await append(org.id)).seq).toBe(2);
      expect(await seqs(org.id)).toEqual([1, 2]);
    });

    it('refuses an unknown organization, and lastSeq has no head for it', async () => {
      const missing = newId('org');
      await expect(append(missing)).rejects.toThrow(`organization ${missing} does not exist`);
      expect(await lastSeq(store.db, missing)).toBeUndefined();
    });
  });

  describe('appendEvents', () => {
    it('appends a batch of one organization with consecutive numbers after what is there, audiences included', async () => {
      const org = await insertOrganization(store.db, 'Batch');
      await append(org.id);
      const batch = await store.transaction((tx) =>
        appendEvents(tx, org.id, [
          event(org.id, { payload: { i: 1 } }),
          event(org.id, { payload: { i: 2 }, audience: { userIds: ['bob'], roles: ['ADMIN', 'OWNER'] } }),
          event(org.id, { payload: { i: 3 } }),
        ]),
      );
      expect(batch.map((e) => e.seq)).toEqual([2, 3, 4]);
      expect(new Set(batch.map((e) => e.id)).size).toBe(3);
      expect(await lastSeq(store.db, org.id)).toBe(4);
      const stored = await listEvents(store.db, { orgId: org.id, afterSeq: 1, limit: 10 });
      expect(stored.map((e) => [e.seq, e.payload, e.audience])).toEqual([
        [2, { i: 1 }, undefined],
        [3, { i: 2 }, { userIds: ['bob'], roles: ['ADMIN', 'OWNER'] }],
        [4, { i: 3 }, undefined],
      ]);
      expect((await append(org.id)).seq).toBe(5);
    });

    it('writes nothing of a batch whose transaction fails, and refuses an event of another organization', async () => {
      const org = await insertOrganization(store.db, 'Batch rollback');
      const other = await insertOrganization(store.db, 'Other');
      await expect(
        store.transaction((tx) => appendEvents(tx, org.id, [event(org.id), event(other.id)])),
      ).rejects.toThrow(/in a batch of/);
      expect(await seqs(org.id)).toEqual([]);
      expect(await lastSeq(store.db, org.id)).toBe(0);
      expect(await store.transaction((tx) => appendEvents(tx, org.id, []))).toEqual([]);
    });
  });

  describe('listEvents', () => {
    it('reads after a sequence, up to a limit, oldest first', async () => {
      const org = await insertOrganization(store.db, 'Pages');
      for (let i = 0; i < 6; i++) await append(org.id);
      const page = (afterSeq: number, limit: number) => listEvents(store.db, { orgId: org.id, afterSeq, limit });
      expect((await page(0, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await page(3, 2)).map((e) => e.seq)).toEqual([4, 5]);
      expect((await page(4, 100)).map((e) => e.seq)).toEqual([5, 6]);
      expect(await page(6, 100)).toEqual([]);
    });

    it('narrows by channels, types and subject ids, each list meaning "any of"', async () => {
      const org = await insertOrganization(store.db, 'Filters');
      const other = await insertOrganization(store.db, 'Other');
      await append(other.id, { channel: 'property', type: 'property.update', subjectId: 'p1' });
      await append(org.id, { channel: 'property', type: 'property.update', subjectId: 'p1' }); // 1
      await append(org.id, { channel: 'property', type: 'property.sold', subjectId: 'p2' }); // 2
      await append(org.id, { channel: 'user', type: 'activity.created', subjectId: null }); // 3
      await append(org.id, { channel: 'deal', type: 'property.update', subjectId: 'p2' }); // 4
      const q = async (f: { channels?: string[] | null; types?: string[] | null; subjectIds?: string[] | null }) =>
        (await listEvents(store.db, { orgId: org.id, afterSeq: 0, limit: 100, ...f })).map((e) => e.seq);
      expect(await q({})).toEqual([1, 2, 3, 4]);
      expect(await q({ channels: [], types: null, subjectIds: [] })).toEqual([1, 2, 3, 4]);
      expect(await q({ channels: ['property'] })).toEqual([1, 2]);
      expect(await q({ channels: ['user', 'deal'] })).toEqual([3, 4]);
      expect(await q({ types: ['property.update'] })).toEqual([1, 4]);
      expect(await q({ subjectIds: ['p2'] })).toEqual([2, 4]);
      expect(
        await q({ channels: ['property'], types: ['property.update', 'property.sold'], subjectIds: ['p2'] }),
      ).toEqual([2]);
      expect(await q({ channels: ['nothing'] })).toEqual([]);
    });

    it('round-trips payloads and actors', async () => {
      const org = await insertOrganization(store.db, 'Payloads');
      const payloads: unknown[] = [
        { price: 450_000, tags: ['a', 'b'], nested: { ok: true, none: null }, text: 'ünïcødé "quoted"' },
        [1, 'two', { three: 3 }, null],
        'just a string',
        '',
        null,
        0,
        false,
      ];
      for (const payload of payloads)
        await append(org.id, { payload, actor: { id: 'svc', name: null, isService: true } });
      const stored = await listEvents(store.db, { orgId: org.id, afterSeq: 0, limit: 100 });
      expect(stored.map((e) => e.payload)).toEqual(payloads);
      for (const e of stored) expect(e.actor).toEqual({ id: 'svc', name: null, isService: true });
    });
  });

  describe('listEventPage', () => {
    it("tells the page's payload bytes (UTF-8) before reading it; a refusal reads nothing", async () => {
      const org = await insertOrganization(store.db, 'Budget');
      const payloads = [{ text: 'ünïcødé' }, null, 'x'.repeat(1_000), [1, 2]];
      for (const payload of payloads) await append(org.id, { payload });
      const admitted: Array<[number, number]> = [];
      const page = await listEventPage(store.db, { orgId: org.id, afterSeq: 0, limit: 3 }, (bytes, count) =>
        admitted.push([bytes, count]),
      );
      const json = (p: unknown) => (p === null ? 0 : Buffer.byteLength(JSON.stringify(p)));
      expect(admitted).toEqual([[json(payloads[0]) + json(payloads[2]), 3]]);
      expect(page.events.map((e) => e.payload)).toEqual(payloads.slice(0, 3));
      expect(page.hasNextPage).toBe(true);
      const last = await listEventPage(store.db, { orgId: org.id, afterSeq: 3, limit: 3 }, () => {});
      expect([last.events.map((e) => e.seq), last.hasNextPage]).toEqual([[4], false]);
      const refused = listEventPage(store.db, { orgId: org.id, afterSeq: 0, limit: 10 }, () => {
        throw new Error('too large');
      });
      await expect(refused).rejects.toThrow('too large');
      const empty: Array<[number, number]> = [];
      expect(
        await listEventPage(store.db, { orgId: org.id, afterSeq: 4, limit: 10 }, (b, c) => empty.push([b, c])),
      ).toEqual({ events: [], hasNextPage: false });
      expect(empty).toEqual([[0, 0]]);
    });

    it('narrows like listEvents and keeps restricted events to their audience', async () => {
      const org = await insertOrganization(store.db, 'Budget filters');
      await append(org.id, { channel: 'user', type: 'user.activity', payload: { n: 1 } }); // 1
      await append(org.id, {
        channel: 'notifications',
        type: 'notification.new',
        payload: { n: 2 },
        audience: { userIds: ['bob'], roles: [] },
      }); // 2
      await append(org.id, { channel: 'property', type: 'property.update', payload: { n: 3 } }); // 3
      const admins = { userIds: [], roles: ['ADMIN'] as Role[] };
      await append(org.id, { channel: 'property', type: 'property.sold', audience: admins }); // 4
      const seqsFor = async (viewerId: string, channels?: string[], viewerRole?: Role) =>
        (
          await listEventPage(
            store.db,
            { orgId: org.id, afterSeq: 0, limit: 10, viewerId, viewerRole, channels },
            () => {},
          )
        ).events.map((e) => [e.seq, e.audience]);
      expect(await seqsFor('alice')).toEqual([
        [1, undefined],
        [3, undefined],
      ]);
      expect(await seqsFor('bob')).toEqual([
        [1, undefined],
        [2, { userIds: ['bob'], roles: [] }],
        [3, undefined],
      ]);
      expect(await seqsFor('bob', ['property'])).toEqual([[3, undefined]]);
      // Roles match exactly: an OWNER is not an ADMIN unless the audience says so.
      expect(await seqsFor('alice', ['property'], 'ADMIN')).toEqual([
        [3, undefined],
        [4, admins],
      ]);
      expect(await seqsFor('alice', ['property'], 'OWNER')).toEqual([[3, undefined]]);
    });
  });

  describe('memberships and users', () => {
    const userId = (tag: string) => `${tag}_${newId('u')}`;

    it('inserts a membership, changes its role, and names the member once the user is known', async () => {
      const org = await insertOrganization(store.db, 'Members');
      const user = userId('u');
      expect(await getMembership(store.db, org.id, user)).toBeUndefined();

      const added = await store.transaction((tx) => putMembership(tx, org.id, user, 'MEMBER'));
      expect(added).toMatchObject({ orgId: org.id, userId: user, role: 'MEMBER', name: null });
      expect(await getMembership(store.db, org.id, user)).toEqual(added);

      const promoted = await store.transaction((tx) => putMembership(tx, org.id, user, 'ADMIN'));
      expect(promoted).toEqual({ ...added, role: 'ADMIN' });

      await upsertUser(store.db, user, 'Ada');
      expect(await getMembership(store.db, org.id, user)).toEqual({ ...added, role: 'ADMIN', name: 'Ada' });
    });

    it('lists members oldest first, and deleting reports whether there was a membership', async () => {
      const org = await insertOrganization(store.db, 'Team');
      // Tags sort like the insertion order, so a shared created_at millisecond cannot reorder them.
      const [a, b, c] = [userId('a'), userId('b'), userId('c')];
      await upsertUser(store.db, b, 'Bea');
      await putMembership(store.db, org.id, a, 'OWNER');
      await putMembership(store.db, org.id, b, 'MEMBER');
      await putMembership(store.db, org.id, c, 'VIEWER');
      const members = await listMembers(store.db, org.id);
      expect(members.map((m) => [m.userId, m.role, m.name])).toEqual([
        [a, 'OWNER', null],
        [b, 'MEMBER', 'Bea'],
        [c, 'VIEWER', null],
      ]);

      expect(await deleteMembership(store.db, org.id, b)).toBe(true);
      expect(await deleteMembership(store.db, org.id, b)).toBe(false);
      expect(await getMembership(store.db, org.id, b)).toBeUndefined();
      expect((await listMembers(store.db, org.id)).map((m) => m.userId)).toEqual([a, c]);
    });

    it('lists the organizations a user belongs to, and only those', async () => {
      const user = userId('u');
      const first = await insertOrganization(store.db, 'First');
      const second = await insertOrganization(store.db, 'Second');
      const left = await insertOrganization(store.db, 'Left');
      await insertOrganization(store.db, 'Never joined');
      expect(await listOrganizationsOf(store.db, user)).toEqual([]);
      for (const org of [first, second, left]) await putMembership(store.db, org.id, user, 'MEMBER');
      await deleteMembership(store.db, left.id, user);
      const orgs = await listOrganizationsOf(store.db, user);
      // Ordered by (createdAt, id): two organizations made in the same millisecond order by id.
      const expected = [first, second].sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1));
      expect(orgs).toEqual(expected);
    });

    it('counts the organizations a user owns; lockUser creates a missing user and keeps a known name', async () => {
      const [owner, named] = [userId('o'), userId('n')];
      const orgs = [
        await insertOrganization(store.db, 'Own 1'),
        await insertOrganization(store.db, 'Own 2'),
        await insertOrganization(store.db, 'Member'),
      ];
      await putMembership(store.db, orgs[0]!.id, owner, 'OWNER');
      await putMembership(store.db, orgs[1]!.id, owner, 'OWNER');
      await putMembership(store.db, orgs[2]!.id, owner, 'ADMIN');
      expect(await countOwnedOrganizations(store.db, owner)).toBe(2);
      expect(await countOwnedOrganizations(store.db, named)).toBe(0);
      await upsertUser(store.db, named, 'Nell');
      await store.transaction(async (tx) => {
        await lockUser(tx, owner);
        await lockUser(tx, named);
      });
      const users = await store.db
        .selectFrom('users')
        .select(['id', 'name'])
        .where('id', 'in', [owner, named])
        .execute();
      expect(Object.fromEntries(users.map((u) => [u.id, u.name]))).toEqual({ [owner]: null, [named]: 'Nell' });
    });

    it('upsertUser with a null name keeps the name already known', async () => {
      const user = userId('u');
      const org = await insertOrganization(store.db, 'Names');
      await putMembership(store.db, org.id, user, 'MEMBER');
      await upsertUser(store.db, user, null);
      expect((await getMembership(store.db, org.id, user))?.name).toBeNull();
      await upsertUser(store.db, user, 'Grace');
      await upsertUser(store.db, user, null);
      expect((await getMembership(store.db, org.id, user))?.name).toBe('Grace');
      await upsertUser(store.db, user, 'Grace Hopper');
      expect((await getMembership(store.db, org.id, user))?.name).toBe('Grace Hopper');
    });
  });
});
