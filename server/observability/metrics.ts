import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LiveWindow } from './live-window.js';

/** Open connections by transport: graphql-ws sockets, distinct SSE streams, single-connection SSE streams. */
export interface ConnectionCounts {
  ws: number;
  sse: number;
  'sse-single': number;
}

export interface LiveFigures {
  connections: () => ConnectionCounts;
  subscriptions: () => number;
  organizations: () => number;
  redisUp?: () => boolean;
}

/**
 * Prometheus metrics for one app (its own registry, so several apps can share a process in tests).
 * Hot-path calls are plain integer increments or once per event; gauges are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly published = new Counter({
    name: 'switchboard_events_published_total',
    help: 'Events appended and published by this instance.',
    registers: [this.registry],
  });
  /** Deliveries ever: one integer increment per delivered message, added to the counter when scraped. */
  private deliveredEver = 0;
  private deliveredScraped = 0;
  private readonly delivered: Counter = new Counter({
    name: 'switchboard_events_delivered_total',
    help: 'Events handed to subscribers (live and replayed).',
    registers: [this.registry],
    collect: () => {
      this.delivered.inc(this.deliveredEver - this.deliveredScraped);
      this.deliveredScraped = this.deliveredEver;
    },
  });
  private readonly latency = new Histogram({
    name: 'switchboard_delivery_latency_seconds',
    help: 'From commit to the hand-over of a live event to the last of its local subscribers (once per event and instance).',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly replays = new Counter({
    name: 'switchboard_replays_total',
    help: 'Subscriptions that resumed from a cursor.',
    registers: [this.registry],
  });
  private readonly resyncs = new Counter({
    name: 'switchboard_resyncs_total',
    help: 'Subscriptions told to resync (cursor invalid, ahead or expired; log rewound).',
    registers: [this.registry],
  });
  private readonly rewinds = new Counter({
    name: 'switchboard_log_rewinds_total',
    help: "Times an organization's log was found behind what this instance had delivered (a restored backup).",
    registers: [this.registry],
  });
  private readonly cutoffs = new Counter({
    name: 'switchboard_slow_consumer_cutoffs_total',
    help: 'Subscribers cut off for falling behind.',
    registers: [this.registry],
  });
  private readonly gapFills = new Counter({
    name: 'switchboard_gap_filled_events_total',
    help: 'Events read from the log because pub/sub lost them.',
    registers: [this.registry],
  });

  private readonly outboxEvents = new Counter({
    name: 'switchboard_outbox_events_total',
    help: "Rows of the app's transactional outbox published as events.",
    registers: [this.registry],
  });
  private readonly outboxDead = new Counter({
    name: 'switchboard_outbox_dead_letters_total',
    help: 'Outbox rows that could not become events, moved to the dead-letter table.',
    registers: [this.registry],
  });
  private readonly captured = new Counter({
    name: 'switchboard_change_capture_events_total',
    help: "Committed changes of the app database's captured tables published as events.",
    registers: [this.registry],
  });
  private readonly capturedSkipped = new Counter({
    name: 'switchboard_change_capture_skipped_total',
    help: 'Captured changes that could not become events (no known organization, an invalid payload).',
    registers: [this.registry],
  });
  private readonly hookCalls = new Counter({
    name: 'switchboard_app_hook_calls_total',
    help: "Calls to the app's connect and subscribe endpoints, by outcome (answered, status_4xx, status_5xx, timeout, failed, busy).",
    labelNames: ['hook', 'outcome'],
    registers: [this.registry],
  });
  private readonly hookLatency = new Histogram({
    name: 'switchboard_app_hook_duration_seconds',
    help: "How long the app's endpoints took to answer.",
    labelNames: ['hook'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** The last second's figures, for the console's live charts. */
  readonly window = new LiveWindow(() => this.deliveredEver);
  /** Live figures of this instance, once the transports exist (also read by Query.serverStats). */
  figures: LiveFigures | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  observe(figures: LiveFigures): void {
    this.figures = figures;
    new Gauge({
      name: 'switchboard_connections',
      help: 'Open connections by transport.',
      labelNames: ['transport'],
      registers: [this.registry],
      collect() {
        for (const [transport, count] of Object.entries(figures.connections())) this.set({ transport }, count);
      },
    });
    new Gauge({
      name: 'switchboard_event_subscriptions',
      help: 'Active event subscriptions on this instance.',
      registers: [this.registry],
      collect() {
        this.set(figures.subscriptions());
      },
    });
    new Gauge({
      name: 'switchboard_organizations_live',
      help: 'Organizations with local subscribers.',
      registers: [this.registry],
      collect() {
        this.set(figures.organizations());
      },
    });
    if (figures.redisUp) {
      const up = figures.redisUp;
      new Gauge({
        name: 'switchboard_redis_up',
        help: '1 when Redis carries messages.',
        registers: [this.registry],
        collect() {
          this.set(up() ? 1 : 0);
        },
      });
    }
  }

  onPublished = () => {
    this.published.inc();
    this.window.published();
  };
  onDelivered = () => {
    this.deliveredEver++;
  };
  onFannedOut = (occurredAt: number) => {
    const ms = Math.max(0, Date.now() - occurredAt);
    this.latency.observe(ms / 1000);
    this.window.latency(ms);
  };
  onReplay = () => this.replays.inc();
  onResync = () => this.resyncs.inc();
  /** An organization's log went back under its live streams, each of which was told to resync. */
  onRewound = (streams: number) => {
    this.rewinds.inc();
    this.resyncs.inc(streams);
  };
  onCutoff = () => {
    this.cutoffs.inc();
    this.window.cutoff();
  };
  onGapFilled = (count: number) => {
    this.gapFills.inc(count);
    this.window.gapFilled(count);
  };
  onCapturedPublished = (count: number) => this.captured.inc(count);
  onCapturedSkipped = (count: number) => this.capturedSkipped.inc(count);
  /** The change-capture slot's lag, read when scraped. */
  observeSlotLag(lagBytes: () => number): void {
    new Gauge({
      name: 'switchboard_change_capture_slot_lag_bytes',
      help: 'WAL the replication slot retains that change capture has not acknowledged (read every 10 s).',
      registers: [this.registry],
      collect() {
        this.set(lagBytes());
      },
    });
  }
  onOutboxPublished = (count: number) => this.outboxEvents.inc(count);
  onOutboxDeadLettered = (count: number) => this.outboxDead.inc(count);
  onHookCall = (hook: string, outcome: string, ms: number) => {
    this.hookCalls.inc({ hook, outcome });
    this.hookLatency.observe({ hook }, ms / 1000);
  };
}
