import { z } from 'zod';
import { CatalogError, type EventCatalog, defaultCatalog, loadCatalogFile } from './catalog/catalog.js';
import { type RedisTopology, parseRedisUrl } from './redis-topology.js';

/**
 * The whole runtime configuration, parsed once from the environment.
 * Every problem is reported together at boot (Centrifugo/Hive style) instead of one per restart.
 */
const booleanish = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const DURATION_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 90s, 30m, 12h or 7d')
  .transform((v) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(v) as unknown as [string, string, keyof typeof DURATION_MS];
    return Number(n) * DURATION_MS[unit];
  });

/** `app.example.com`, `.example.com` (it and its subdomains), an IP literal, or `*`; no scheme, no port. */
const HOST_ENTRY =
  /^(\*|\[[0-9a-f:.]+\]|\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?)$/i;
const splitList = (v: string) =>
  v
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
const hostList = z.string().superRefine((value, ctx) => {
  for (const entry of splitList(value)) {
    if (!HOST_ENTRY.test(entry)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry.slice(0, 100)}" is not a host name: write app.example.com, .example.com for it and its subdomains, or * for any (no scheme, no port)`,
      });
    }
  }
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  // Unset: 127.0.0.1 outside production (as Vite: nothing on the network unless asked), 0.0.0.0 in production.
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for the embedded SQLite store)')
    .optional(),
  // One server, a Sentinel group or a Cluster (redis-topology.ts); unset: in-memory pub/sub.
  REDIS_URL: z
    .string()
    .superRefine((value, ctx) => {
      for (const message of parseRedisUrl(value).problems) ctx.addIssue({ code: 'custom', message });
    })
    .optional(),
  REDIS_PREFIX: z.string().default('switchboard:'),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 key)').optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_MAX_TOKEN_LIFETIME: duration.refine((ms) => ms >= 60_000, 'must be at least 1m').default(30 * DURATION_MS.d),
  AUTH_ALLOW_NO_EXP: booleanish.default(false),
  // The app's own sign-in and room authorization (auth/app-hooks.ts, docs/security.md).
  AUTH_CONNECT_URL: z.url().optional(),
  AUTH_SUBSCRIBE_URL: z.url().optional(),
  AUTH_HOOK_SECRET: z.string().min(32, 'must be at least 32 characters (it signs every hook call)').optional(),
  AUTH_HOOK_TIMEOUT: duration.refine((ms) => ms >= 100 && ms <= 30_000, 'must be between 100ms and 30s').default(2_000),
  AUTH_CONNECT_CACHE: duration.default(30_000),
  AUTH_GUARDED_CHANNELS: z.string().optional(),
  // The app's transactional outbox (docs/change-feeds.md): its PostgreSQL, its table, the catch-up interval.
  OUTBOX_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL (the app's database holding the outbox table)")
    .optional(),
  OUTBOX_TABLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,50}$/, 'must be a plain lower-case table name')
    .default('switchboard_outbox'),
  OUTBOX_POLL: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(5_000),
  // Change capture from the app database's WAL (docs/change-feeds.md).
  CDC_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL (the app's database, with wal_level=logical)")
    .optional(),
  CDC_TABLES: z.string().optional(),
  CDC_SLOT: z
    .string()
    .regex(/^[a-z0-9_]{1,63}$/, 'must be lower-case letters, digits and underscores')
    .default('switchboard'),
  CDC_PUBLICATION: z
    .string()
    .regex(/^[a-z0-9_]{1,63}$/, 'must be lower-case letters, digits and underscores')
    .default('switchboard'),
  CORS_ORIGINS: z.string().optional(),
  ALLOWED_HOSTS: hostList.optional(),
  // A JSON file of event types (docs/publishing.md); unset: the built-in types only.
  EVENTS_CATALOG: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHIQL: booleanish.optional(),
  INTROSPECTION: booleanish.optional(),
  RETENTION_MAX_AGE: duration.default(7 * DURATION_MS.d),
  RETENTION_MAX_EVENTS: z.coerce.number().int().min(1).default(1_000_000),
  PRESENCE_TTL: duration.default(30_000),
  LIMIT_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).default(20),
  LIMIT_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
  LIMIT_PUBLISHES_PER_SECOND: z.coerce.number().positive().default(20),
  LIMIT_API_KEY_EVENTS_PER_SECOND: z.coerce.number().positive().default(1_000),
  LIMIT_ANONYMOUS_CONNECTIONS: z.coerce.number().int().min(0).default(500),
  // Unset: the defaults in tuning.ts (8 MiB, 20, 4 MiB), where the tests' smaller values are set too.
  LIMIT_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024, 'must be at least 65536 (64 KiB): one event payload may be 32 KiB')
    .optional(),
  LIMIT_ORGANIZATIONS_PER_USER: z.coerce.number().int().min(1).optional(),
  LIMIT_BUFFERED_BYTES_PER_CONNECTION: z.coerce
    .number()
    .int()
    .min(64 * 1024, 'must be at least 65536 (64 KiB): one message may be 32 KiB and more')
    .optional(),
});

/** Rules across variables; checked on the raw values so they are listed even when others fail to parse. */
function crossChecks(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL)
    problems.push('AUTH_JWKS_URL: set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  if (env.NODE_ENV === 'production' && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
    problems.push(
      'AUTH_JWT_SECRET: production needs AUTH_JWT_SECRET or AUTH_JWKS_URL (a generated development secret is never used in production)',
    );
  }
  if ((env.AUTH_CONNECT_URL || env.AUTH_SUBSCRIBE_URL) && !env.AUTH_HOOK_SECRET)
    problems.push(
      'AUTH_HOOK_SECRET: required with AUTH_CONNECT_URL or AUTH_SUBSCRIBE_URL (the app checks it signed each call)',
    );
  if (env.CDC_DATABASE_URL) problems.push(...capturedTablesProblems(env.CDC_TABLES));
  if (env.AUTH_GUARDED_CHANNELS && !env.AUTH_SUBSCRIBE_URL)
    problems.push('AUTH_GUARDED_CHANNELS: needs AUTH_SUBSCRIBE_URL, the endpoint that authorizes them');
  if (env.AUTH_SUBSCRIBE_URL && !env.AUTH_GUARDED_CHANNELS)
    problems.push('AUTH_SUBSCRIBE_URL: name the channels it authorizes in AUTH_GUARDED_CHANNELS');
  // Presence keys of one organization share a hash tag ({orgId}); a brace in the prefix would move the tag.
  if (/^rediss?\+cluster:/.test(env.REDIS_URL ?? '') && /[{}]/.test(env.REDIS_PREFIX ?? ''))
    problems.push('REDIS_PREFIX: must not contain { or } with a Redis Cluster (keys are placed by their {hash tag})');
  return problems;
}

/** One captured table: where its organization is, what of a row an event carries (never the whole row by default). */
export interface CapturedTable {
  /** `schema.table` or `table` (schema public). */
  table: string;
  /** The column holding the organization id (on deletes it needs REPLICA IDENTITY FULL, or to be in the key). */
  orgColumn: string;
  /** The columns copied into the payload: an allow-list. */
  columns: string[];
  /** The column that is the event's subject (default: none). */
  subjectColumn?: string;
  /** The event's channel (default: the table's name). */
  channel?: string;
  /** What the event types start with (default: the table's name): `property` makes `property.update`. */
  typePrefix?: string;
}

/** The app's endpoints that sign users in and authorize guarded channels, with what every call shares. */
export interface AppHooksConfig {
  connectUrl?: string;
  subscribeUrl?: string;
  /** HMAC-SHA256 key of each call's signature (X-Switchboard-Signature). */
  secret: string;
  timeoutMs: number;
  /** How long a connect answer is reused for the same credentials (at most until its expiry). */
  connectCacheMs: number;
  /** Channels whose subscriptions the subscribe hook authorizes. */
  guardedChannels: string[];
}

/** What every token must satisfy, whoever signed it. */
export interface TokenRules {
  issuer?: string;
  audience?: string;
  /** Longest accepted lifetime, `exp - iat` (or `exp - now` without `iat`), in milliseconds. */
  maxLifetimeMs: number;
  /** Accept tokens without `exp` (they never expire); off by default. */
  allowNoExp: boolean;
}

export type AuthConfig =
  | ({ kind: 'secret'; secret: string } & TokenRules)
  | ({ kind: 'jwks'; jwksUrl: string } & TokenRules)
  /** Local-first default: a secret generated into DATA_DIR on first start. */
  | ({ kind: 'generated' } & TokenRules);

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** `url` as written (it may carry a password: never log it); `topology`: what it names. */
  redis?: { url: string; prefix: string; topology: RedisTopology };
  auth: AuthConfig;
  /** Set when Switchboard captures changes from the app database's WAL (CDC_DATABASE_URL). */
  changeCapture?: { databaseUrl: string; tables: CapturedTable[]; slot: string; publication: string };
  /** Set when Switchboard consumes the app's transactional outbox (OUTBOX_DATABASE_URL). */
  outbox?: { databaseUrl: string; table: string; pollMs: number };
  /** Set when the app signs users in or authorizes channels itself (AUTH_CONNECT_URL, AUTH_SUBSCRIBE_URL). */
  hooks?: AppHooksConfig;
  /** `undefined` = same-origin and non-browser clients only; `['*']` = any origin. */
  corsOrigins?: string[];
  /**
   * Host names answered besides IP literals and `localhost` (DNS-rebinding guard); `['*']` = any.
   * Unset: none outside production, any in production (behind a proxy that chooses the names).
   */
  allowedHosts: string[];
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  graphiql: boolean;
  /** Schema introspection (GraphiQL and codegen need it); off by default in production. */
  introspection: boolean;
  /** The event types: built in, plus EVENTS_CATALOG's. The GraphQL schema is built from it. */
  catalog: EventCatalog;
  /** Seed the demo organization and print demo tokens (only with a generated secret). */
  demo: boolean;
  retention: { maxAgeMs: number; maxEventsPerOrg: number };
  /** How soon a crashed instance's users drop out of presence. */
  presenceTtlMs: number;
  limits: {
    connectionsPerUser: number;
    subscriptionsPerConnection: number;
    /**
     * Events appended for a user (publishes, renames, membership changes, notifications) per user and
     * organization, per instance; bursts up to twice this. Services are exempt.
     */
    publishesPerSecond: number;
    /**
     * Events one organization API key may publish per second, per instance; bursts up to twice this, and never
     * below one full batch. Services are exempt.
     */
    apiKeyEventsPerSecond: number;
    /** graphql-ws connections acknowledged without a token, per instance. */
    anonymousConnections: number;
    /** Overrides Tuning.maxResponseBytes when set. */
    responseBytes?: number;
    /** Overrides Tuning.maxOrganizationsPerUser when set. */
    organizationsPerUser?: number;
    /** Overrides Tuning.maxPendingBytes when set. */
    bufferedBytesPerConnection?: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError that lists every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "unset": shells and .env files often export `FOO=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const catalog = loadCatalog(cleaned.EVENTS_CATALOG);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)),
    ...crossChecks(cleaned),
    ...catalog.problems,
  ];
  if (!parsed.success || !catalog.catalog || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const claims: TokenRules = {
    issuer: e.AUTH_ISSUER,
    audience: e.AUTH_AUDIENCE,
    maxLifetimeMs: e.AUTH_MAX_TOKEN_LIFETIME,
    allowNoExp: e.AUTH_ALLOW_NO_EXP,
  };
  const auth: AuthConfig = e.AUTH_JWT_SECRET
    ? { kind: 'secret', secret: e.AUTH_JWT_SECRET, ...claims }
    : e.AUTH_JWKS_URL
      ? { kind: 'jwks', jwksUrl: e.AUTH_JWKS_URL, ...claims }
      : { kind: 'generated', ...claims };
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redis: e.REDIS_URL
      ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, topology: parseRedisUrl(e.REDIS_URL).topology! }
      : undefined,
    auth,
    changeCapture: e.CDC_DATABASE_URL
      ? {
          databaseUrl: e.CDC_DATABASE_URL,
          tables: capturedTables(e.CDC_TABLES ?? '[]'),
          slot: e.CDC_SLOT,
          publication: e.CDC_PUBLICATION,
        }
      : undefined,
    outbox: e.OUTBOX_DATABASE_URL
      ? { databaseUrl: e.OUTBOX_DATABASE_URL, table: e.OUTBOX_TABLE, pollMs: e.OUTBOX_POLL }
      : undefined,
    hooks:
      e.AUTH_HOOK_SECRET && (e.AUTH_CONNECT_URL || e.AUTH_SUBSCRIBE_URL)
        ? {
            connectUrl: e.AUTH_CONNECT_URL,
            subscribeUrl: e.AUTH_SUBSCRIBE_URL,
            secret: e.AUTH_HOOK_SECRET,
            timeoutMs: e.AUTH_HOOK_TIMEOUT,
            connectCacheMs: e.AUTH_CONNECT_CACHE,
            guardedChannels: splitList(e.AUTH_GUARDED_CHANNELS ?? ''),
          }
        : undefined,
    corsOrigins: e.CORS_ORIGINS === undefined ? undefined : splitList(e.CORS_ORIGINS),
    allowedHosts:
      e.ALLOWED_HOSTS === undefined ? (e.NODE_ENV === 'production' ? ['*'] : []) : splitList(e.ALLOWED_HOSTS),
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL ?? e.NODE_ENV !== 'production',
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
    catalog: catalog.catalog,
    demo: auth.kind === 'generated' && e.NODE_ENV !== 'production',
    retention: { maxAgeMs: e.RETENTION_MAX_AGE, maxEventsPerOrg: e.RETENTION_MAX_EVENTS },
    presenceTtlMs: e.PRESENCE_TTL,
    limits: {
      connectionsPerUser: e.LIMIT_CONNECTIONS_PER_USER,
      subscriptionsPerConnection: e.LIMIT_SUBSCRIPTIONS_PER_CONNECTION,
      publishesPerSecond: e.LIMIT_PUBLISHES_PER_SECOND,
      apiKeyEventsPerSecond: e.LIMIT_API_KEY_EVENTS_PER_SECOND,
      anonymousConnections: e.LIMIT_ANONYMOUS_CONNECTIONS,
      responseBytes: e.LIMIT_RESPONSE_BYTES,
      organizationsPerUser: e.LIMIT_ORGANIZATIONS_PER_USER,
      bufferedBytesPerConnection: e.LIMIT_BUFFERED_BYTES_PER_CONNECTION,
    },
  };
}

/** The event catalog, its problems listed with the configuration's (each names the file). */
function loadCatalog(path: string | undefined): { catalog?: EventCatalog; problems: string[] } {
  if (path === undefined) return { catalog: defaultCatalog(), problems: [] };
  try {
    return { catalog: loadCatalogFile(path), problems: [] };
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    return { problems: err.problems.map((p) => `EVENTS_CATALOG (${path}): ${p}`) };
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const capturedTableSchema = z
  .object({
    table: z
      .string()
      .regex(/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'a table name, optionally schema.table'),
    orgColumn: z.string().regex(IDENT, 'a column name'),
    columns: z.array(z.string().regex(IDENT, 'column names')).min(1, 'name the columns events carry'),
    subjectColumn: z.string().regex(IDENT, 'a column name').optional(),
    channel: z.string().optional(),
    typePrefix: z.string().optional(),
  })
  .strict();

/** CDC_TABLES: a JSON list of {table, orgColumn, columns, subjectColumn?, channel?}; problems listed, not thrown. */
function capturedTablesProblems(raw: string | undefined): string[] {
  if (!raw)
    return ['CDC_TABLES: required with CDC_DATABASE_URL: a JSON list of {"table", "orgColumn", "columns": [...]}'];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return [`CDC_TABLES: not JSON (${(err as Error).message})`];
  }
  const result = z.array(capturedTableSchema).min(1).safeParse(parsed);
  return result.success ? [] : result.error.issues.map((i) => `CDC_TABLES[${i.path.join('.')}]: ${i.message}`);
}

const capturedTables = (raw: string): CapturedTable[] => z.array(capturedTableSchema).parse(JSON.parse(raw));
