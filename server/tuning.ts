import type { Config } from './config.js';
import type { DomainLimits } from './context.js';

/** Internal knobs with documented defaults; tests pass smaller ones through createApp's options. */
export interface Tuning extends DomainLimits {
  maxHttpBodyBytes: number;
  maxWsPayloadBytes: number;
  keepAliveMs: number;
  maxQueuePerSubscription: number;
  /** Bytes a connection's peer may leave unread (its socket's buffer) before its subscriptions are cut off. */
  maxPendingBytes: number;
  /** A single-connection SSE stream reserved (PUT) but not opened (GET) within this long is dropped. */
  streamReservationTtlMs: number;
  positionCheckMs: number;
  retentionIntervalMs: number;
  presenceGraceMs: number;
  typingExpireMs: number;
  typingThrottleMs: number;
  /** How long a graphql-ws subscription lost with its connection can be resumed by its operation id. */
  resumeWindowMs: number;
  /** How often the console's live figures (Subscription.liveStats) are sampled from every instance. */
  liveStatsEveryMs: number;
  query: { maxDepth: number; maxAliases: number; maxTokens: number; maxCost: number; maxDirectives: number };
}

export const DEFAULT_TUNING: Tuning = {
  maxPayloadBytes: 32 * 1024,
  maxPageSize: 500,
  maxResponseBytes: 8 * 1024 * 1024,
  maxOrganizationsPerUser: 20,
  maxBatchEvents: 1_000,
  maxHttpBodyBytes: 1024 * 1024,
  maxWsPayloadBytes: 64 * 1024,
  keepAliveMs: 12_000,
  maxQueuePerSubscription: 1_000,
  maxPendingBytes: 4 * 1024 * 1024,
  streamReservationTtlMs: 30_000,
  positionCheckMs: 5_000,
  retentionIntervalMs: 60_000,
  presenceGraceMs: 2_000,
  typingExpireMs: 5_000,
  typingThrottleMs: 1_000,
  resumeWindowMs: 60_000,
  liveStatsEveryMs: 1_000,
  // graphql-armor counts list arguments (`first`): a full page of 500 events costs about 53,000.
  query: { maxDepth: 10, maxAliases: 15, maxTokens: 2_000, maxCost: 100_000, maxDirectives: 20 },
};

/**
 * The knobs the environment may set (LIMIT_RESPONSE_BYTES, LIMIT_ORGANIZATIONS_PER_USER,
 * LIMIT_BUFFERED_BYTES_PER_CONNECTION); unset ones keep their defaults.
 */
export function configuredTuning(config: Config): Partial<Tuning> {
  const { responseBytes, organizationsPerUser, bufferedBytesPerConnection } = config.limits;
  return {
    ...(responseBytes === undefined ? {} : { maxResponseBytes: responseBytes }),
    ...(organizationsPerUser === undefined ? {} : { maxOrganizationsPerUser: organizationsPerUser }),
    ...(bufferedBytesPerConnection === undefined ? {} : { maxPendingBytes: bufferedBytesPerConnection }),
  };
}
