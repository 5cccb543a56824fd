import type { AdmitPage } from './event-log.js';
import { newId } from './ids.js';
import type { Db, Notification, NotificationsTable } from './types.js';

/** Per-user notification inboxes. */

export interface NewNotification {
  orgId: string;
  title: string;
  body: string | null;
  data: unknown;
}

export async function insertNotifications(
  db: Db,
  userIds: readonly string[],
  n: NewNotification,
): Promise<Notification[]> {
  const createdAt = Date.now();
  const rows: NotificationsTable[] = userIds.map((user_id) => ({
    id: newId('ntf'),
    user_id,
    org_id: n.orgId,
    title: n.title,
    body: n.body,
    data: n.data === null || n.data === undefined ? null : JSON.stringify(n.data),
    created_at: createdAt,
    read_at: null,
  }));
  if (rows.length > 0) await db.insertInto('notifications').values(rows).execute();
  return rows.map(fromRow);
}

export interface InboxPage {
  /** Newest first. */
  notifications: Notification[];
  hasNextPage: boolean;
}

/** Position in an inbox (newest first): strictly older than (createdAt, id). */
export interface InboxPosition {
  createdAt: number;
  id: string;
}

/**
 * A page of an inbox, newest first. Like `listEventPage`, the page's `data` sizes are read first and told to
 * `admit` (which throws to refuse); only then is `data` read.
 */
export async function listInbox(
  db: Db,
  userId: string,
  o: { first: number; after?: InboxPosition; unreadOnly: boolean },
  admit: AdmitPage,
): Promise<InboxPage> {
  let q = db.selectFrom('notifications').where('user_id', '=', userId);
  if (o.unreadOnly) q = q.where('read_at', 'is', null);
  const after = o.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  const sizes = await q
    .select((eb) => ['id', eb.fn<number | null>('octet_length', ['data']).as('bytes')])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.first + 1)
    .execute();
  const page = sizes.slice(0, o.first);
  admit(
    page.reduce((sum, r) => sum + Number(r.bytes ?? 0), 0),
    page.length,
  );
  if (page.length === 0) return { notifications: [], hasNextPage: false };
  const rows = await db
    .selectFrom('notifications')
    .selectAll()
    .where('user_id', '=', userId)
    .where(
      'id',
      'in',
      page.map((r) => r.id),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return { notifications: rows.map(fromRow), hasNextPage: sizes.length > o.first };
}

export async function countUnread(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's own notifications among `ids`, in no particular order. */
export async function findOwn(db: Db, userId: string, ids: readonly string[]): Promise<Notification[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('notifications')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .execute();
  return rows.map(fromRow);
}

export async function markRead(db: Db, userId: string, ids: readonly string[] | 'all'): Promise<number> {
  let q = db
    .updateTable('notifications')
    .set({ read_at: Date.now() })
    .where('user_id', '=', userId)
    .where('read_at', 'is', null);
  if (ids !== 'all') {
    if (ids.length === 0) return 0;
    q = q.where('id', 'in', ids);
  }
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

function fromRow(r: NotificationsTable): Notification {
  return {
    id: r.id,
    userId: r.user_id,
    orgId: r.org_id,
    title: r.title,
    body: r.body,
    data: r.data === null ? null : JSON.parse(r.data),
    createdAt: Number(r.created_at),
    readAt: r.read_at === null ? null : Number(r.read_at),
  };
}
