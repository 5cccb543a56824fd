/** Channel and type names: lower-case words separated by dots, e.g. `property`, `content.updated`. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}(\.[a-z0-9_-]{1,32}){0,3}$/;

/** Type of the synthetic event that tells a subscriber it must reload history (docs/delivery.md; realtime/resync.ts). */
export const RESYNC_TYPE = 'stream.resync';

/** Event types under these prefixes are written by the server itself, never by a client. */
export const SERVER_ONLY_TYPE_PREFIXES = ['member.', 'organization.', 'notification.'] as const;

export const isServerOnlyType = (type: string) => SERVER_ONLY_TYPE_PREFIXES.some((p) => type.startsWith(p));

/** Types no catalog may declare: the server's own, and the resync notice it synthesizes for subscribers. */
export const isReservedType = (type: string) => isServerOnlyType(type) || type === RESYNC_TYPE;
