import { RESYNC_TYPE } from '../catalog/event-names.js';
import type { EventRecord } from '../store/types.js';

export { RESYNC_TYPE };

/**
 * Why: the resume cursor is not a cursor (`CURSOR_INVALID`), is past the log's end (`CURSOR_AHEAD`), points at
 * pruned events (`CURSOR_EXPIRED`); or, on a live stream, the log went back under it (`LOG_REWOUND`, a database
 * restored from a backup) and sequence numbers it already delivered now name other events.
 */
export type ResyncReason = 'CURSOR_INVALID' | 'CURSOR_AHEAD' | 'CURSOR_EXPIRED' | 'LOG_REWOUND';

/**
 * The one builder of `stream.resync` events. `seq` is where the live events that follow start: the event's
 * cursor is a valid resume point.
 */
export function resyncEvent(orgId: string, seq: number, reason: ResyncReason): EventRecord {
  return {
    id: `resync_${orgId}_${seq}`,
    orgId,
    seq,
    channel: 'system',
    type: RESYNC_TYPE,
    subjectId: null,
    payload: { reason },
    actor: { id: 'switchboard', name: 'Switchboard', isService: true },
    occurredAt: Date.now(),
  };
}
