/**
 * Cursors are opaque to clients: base64url of `v1:<orgId>:<seq>`. Carrying the organization lets the
 * server refuse another organization's cursor instead of silently replaying the wrong range.
 */
export function encodeCursor(orgId: string, seq: number): string {
  return Buffer.from(`v1:${orgId}:${seq}`).toString('base64url');
}

export type DecodedCursor = { orgId: string; seq: number };

/** Returns undefined for anything that is not a cursor this server wrote. */
export function decodeCursor(cursor: string): DecodedCursor | undefined {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const m = /^v1:([A-Za-z0-9_-]{1,100}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m?.[1] || m[2] === undefined) return undefined;
  return { orgId: m[1], seq: Number(m[2]) };
}
