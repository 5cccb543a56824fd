import { lastSeq, lastSeqs, listEvents } from '../store/repository.js';
import { listChannelRules } from '../store/channel-rules.js';
import type { Store } from '../store/store.js';
import type { EventRecord } from '../store/types.js';
import type { PositionSource, ReplaySource } from './event-bus.js';
import type { FeedLog } from './org-feed.js';

const REPLAY_PAGE = 500;

/** The durable log as the realtime layer sees it: positions, gap fills and filtered replays. */
export function createFeedLog(store: Store): FeedLog & ReplaySource & PositionSource {
  return {
    lastSeq: async (orgId) => (await lastSeq(store.db, orgId)) ?? 0,
    lastSeqs: (orgIds) => lastSeqs(store.db, orgIds),
    commitMark: () => store.commitMark(),
    channelRules: (orgId) => listChannelRules(store.db, orgId),
    after: (orgId, afterSeq, limit) => listEvents(store.db, { orgId, afterSeq, limit }),
    async *replay(orgId, filter, afterSeq, upToSeq): AsyncGenerator<EventRecord> {
      let position = afterSeq;
      for (;;) {
        const page = await listEvents(store.db, {
          orgId,
          afterSeq: position,
          channels: filter.channels && [...filter.channels],
          types: filter.types && [...filter.types],
          subjectIds: filter.subjectIds && [...filter.subjectIds],
          viewerId: filter.viewerId ?? '',
          viewerRole: filter.viewerRole,
          limit: REPLAY_PAGE,
        });
        for (const e of page) {
          if (e.seq > upToSeq) return;
          yield e;
        }
        if (page.length < REPLAY_PAGE) return;
        position = page[page.length - 1]?.seq ?? upToSeq;
      }
    },
  };
}
