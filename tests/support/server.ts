import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, inject } from 'vitest';
import { type App, type Tuning, createApp } from '../../server/app.js';
import type { Logger } from '../../server/logger.js';
import { signToken } from '../../server/auth/tokens.js';
import { loadConfig } from '../../server/config.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

export interface TestServerOptions {
  redis?: boolean;
  postgres?: boolean;
  /** Share a data directory (restarts on the embedded store). */
  dataDir?: string;
  /** Share a Redis prefix between instances of one test. */
  redisPrefix?: string;
  env?: Record<string, string>;
  tuning?: Partial<Tuning>;
  /** Where the app logs (tests that read log lines). */
  logger?: Logger;
  /** The built dashboard's folder (tests of static files). */
  webDir?: string;
}

export interface TestServer {
  app: App;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Builds the same app as main.ts on 127.0.0.1:0 with test settings; `stop` disposes everything it made. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    AUTH_JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests name their users (alice owns an organization per test, and PostgreSQL keeps them for the whole
    // run): the cap on organizations per owner is tested on its own (tests/ws/limits.test.ts).
    LIMIT_ORGANIZATIONS_PER_USER: '10000',
    ...(options.redis ? { REDIS_URL: inject('redisUrl'), REDIS_PREFIX: options.redisPrefix ?? uniquePrefix() } : {}),
    ...(options.postgres ? { DATABASE_URL: inject('postgresUrl') } : {}),
    ...options.env,
  });
  const app = await createApp(config, {
    tuning: { positionCheckMs: 250, ...options.tuning },
    logger: options.logger,
    webDir: options.webDir,
  });
  const url = await app.start();
  return {
    app,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    dataDir,
    async stop() {
      await app.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let prefixes = 0;
export function uniquePrefix(): string {
  return `sbtest:${inject('runId')}:${process.pid}:${prefixes++}:`;
}

export function token(
  sub: string,
  extra: { name?: string; service?: boolean; expiresIn?: string | number } = {},
): Promise<string> {
  return signToken(
    TEST_SECRET,
    { sub, name: extra.name, role: extra.service ? 'service' : undefined },
    extra.expiresIn ?? '1h',
  );
}

/** A token carrying exactly these claims (no `iat` or `exp` unless given), for tests of the token rules. */
export function tokenWithClaims(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(TEST_SECRET, 'utf8'));
}

/** Two instances sharing one PostgreSQL database and one Redis prefix, as a scaled-out deployment runs. */
export async function startPair(tuning?: Partial<Tuning>): Promise<[TestServer, TestServer]> {
  const redisPrefix = uniquePrefix();
  const options = { redis: true, postgres: true, redisPrefix, tuning };
  return [await startServer(options), await startServer(options)];
}

/**
 * Two instances sharing Redis and PostgreSQL for the tests of one describe block: started before them, stopped
 * after. Read `pair.a` and `pair.b` inside the tests.
 */
export function pairPerSuite(tuning?: Partial<Tuning>): { a: TestServer; b: TestServer } {
  const pair = {} as { a: TestServer; b: TestServer };
  beforeAll(async () => {
    [pair.a, pair.b] = await startPair(tuning);
  });
  afterAll(async () => {
    await Promise.all([pair.a?.stop(), pair.b?.stop()]);
  });
  return pair;
}
