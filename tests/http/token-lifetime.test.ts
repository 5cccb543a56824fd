import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../support/http.js';
import { until } from '../support/inbox.js';
import { run } from '../support/process.js';
import { openRaw } from '../support/raw-ws.js';
import { TEST_SECRET, type TestServer, startServer, token, tokenWithClaims } from '../support/server.js';

const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3_600;
const DAY = 86_400;
const ME = '{ me { id } }';

type Outcome = { accepted: true } | { accepted: false; reason: string };

/** What a client gets for a token over HTTP (200 or 401) and at a graphql-ws connection_init (ack or 4403). */
async function overHttp(server: TestServer, auth: string): Promise<Outcome> {
  const res = await gql(server.graphqlUrl, ME, {}, auth);
  if (res.status === 200 && !res.errors) return { accepted: true };
  expect([res.status, res.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
  return { accepted: false, reason: res.errors?.[0]?.message ?? '' };
}

async function overWs(server: TestServer, auth: string): Promise<Outcome> {
  const raw = await openRaw(server.wsUrl);
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${auth}` } });
  const first = (await Promise.race([raw.messages.next('an ack or a close'), raw.closed])) as {
    type?: string;
    code?: number;
    reason?: string;
  };
  if (first.type === 'connection_ack') {
    raw.send({ id: 'me', type: 'subscribe', payload: { query: ME } });
    expect(await raw.messages.next()).toMatchObject({
      id: 'me',
      type: 'next',
      payload: { data: { me: { id: 'tl-user' } } },
    });
    raw.socket.close();
    return { accepted: true };
  }
  expect(first.code).toBe(4403);
  return { accepted: false, reason: `${first.reason}.` };
}

const TRANSPORTS = [
  ['HTTP (401)', overHttp],
  ['graphql-ws (4403)', overWs],
] as const;

describe.each(TRANSPORTS)('token lifetime rules over %s', (_name, attempt) => {
  let strict: TestServer; // the defaults: exp required, at most 30 days
  let relaxed: TestServer; // AUTH_ALLOW_NO_EXP=true, AUTH_MAX_TOKEN_LIFETIME=1h
  beforeAll(async () => {
    strict = await startServer();
    relaxed = await startServer({ env: { AUTH_ALLOW_NO_EXP: 'true', AUTH_MAX_TOKEN_LIFETIME: '1h' } });
  });
  afterAll(() => Promise.all([strict?.stop(), relaxed?.stop()]));
  const sub = 'tl-user';

  it('accepts a normal token, and one of exactly the longest lifetime', async () => {
    expect(await attempt(strict, await token(sub))).toEqual({ accepted: true });
    expect(await attempt(strict, await tokenWithClaims({ sub, iat: now(), exp: now() + 30 * DAY }))).toEqual({
      accepted: true,
    });
    expect(await attempt(relaxed, await tokenWithClaims({ sub, iat: now(), exp: now() + HOUR }))).toEqual({
      accepted: true,
    });
  });

  it('refuses a token accepted a moment ago once it expired (verified tokens are remembered, their exp is not)', async () => {
    const shortLived = await tokenWithClaims({ sub, iat: now(), exp: now() + 2 });
    expect(await attempt(strict, shortLived)).toEqual({ accepted: true });
    await until(async () => !(await attempt(strict, shortLived)).accepted, 'the token to expire', 5_000);
    expect(await attempt(strict, shortLived)).toEqual({ accepted: false, reason: expect.stringMatching(/expired/) });
  });

  it('refuses a token without exp, unless configuration allows it', async () => {
    const noExp = await tokenWithClaims({ sub, iat: now() });
    expect(await attempt(strict, noExp)).toEqual({
      accepted: false,
      reason: 'Invalid token: token has no "exp" claim (this server accepts only tokens that expire).',
    });
    expect(await attempt(relaxed, noExp)).toEqual({ accepted: true });
    expect(await attempt(relaxed, await tokenWithClaims({ sub }))).toEqual({ accepted: true });
  });

  it('refuses a lifetime (exp - iat, or exp - now without iat) over the maximum', async () => {
    expect(await attempt(strict, await tokenWithClaims({ sub, iat: now(), exp: now() + 90 * DAY }))).toEqual({
      accepted: false,
      reason: 'Invalid token: token lifetime ("exp" - "iat") is 90d; this server accepts at most 30d.',
    });
    // Issued long ago, expiring soon: still a 31-day token.
    expect(
      await attempt(strict, await tokenWithClaims({ sub, iat: now() - 31 * DAY + HOUR, exp: now() + 2 * HOUR })),
    ).toMatchObject({ accepted: false });
    expect(await attempt(relaxed, await tokenWithClaims({ sub, iat: now(), exp: now() + 2 * HOUR }))).toEqual({
      accepted: false,
      reason: 'Invalid token: token lifetime ("exp" - "iat") is 2h; this server accepts at most 1h.',
    });
    expect(await attempt(relaxed, await tokenWithClaims({ sub, exp: now() + 2 * HOUR }))).toMatchObject({
      accepted: false,
    });
    expect(await attempt(relaxed, await tokenWithClaims({ sub, exp: now() + HOUR - 60 }))).toEqual({ accepted: true });
  });

  it('refuses an iat in the future beyond a minute of clock skew', async () => {
    const ahead = await attempt(strict, await tokenWithClaims({ sub, iat: now() + HOUR, exp: now() + 2 * HOUR }));
    expect(ahead).toMatchObject({ accepted: false });
    expect((ahead as { reason: string }).reason).toMatch(
      /^Invalid token: token "iat" is (59m 5\ds|1h) in the future \(at most 60s of clock skew is accepted\)\.$/,
    );
    expect(await attempt(strict, await tokenWithClaims({ sub, iat: now() + 30, exp: now() + HOUR }))).toEqual({
      accepted: true,
    });
  });
});

describe('refreshSession applies the same rules', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('refuses a fresh token that lives too long; the connection stays', async () => {
    const raw = await openRaw(server.wsUrl);
    await raw.init(await token('tl-refresh'));
    const long = await tokenWithClaims({ sub: 'tl-refresh', iat: now(), exp: now() + 60 * DAY });
    raw.send({
      id: 'r',
      type: 'subscribe',
      payload: { query: 'mutation($t: String!) { refreshSession(token: $t) { expiresAt } }', variables: { t: long } },
    });
    const msg = await raw.messages.next();
    expect(msg.payload.errors[0]).toMatchObject({
      message: 'Invalid token: token lifetime ("exp" - "iat") is 60d; this server accepts at most 30d.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    raw.send({ id: 'me', type: 'subscribe', payload: { query: ME } });
    expect(await raw.messages.next('the next result', 5_000)).toMatchObject({ type: 'complete', id: 'r' });
    expect(await raw.messages.next()).toMatchObject({
      id: 'me',
      type: 'next',
      payload: { data: { me: { id: 'tl-refresh' } } },
    });
    raw.socket.close();
  });
});

describe('npm run token', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-token-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const mint = async (args: string[], env: Record<string, string> = {}) => {
    const p = run(['--import', 'tsx', 'scripts/token.ts', '--sub', 'eve', ...args], {
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_SECRET,
      ...env,
    });
    return { code: await p.exited, stdout: p.stdout().trim(), stderr: p.stderr().trim() };
  };

  it('mints 30-day tokens by default, and refuses an --expires above AUTH_MAX_TOKEN_LIFETIME with what to do', async () => {
    const [byDefault, tooLong, shorterMax] = await Promise.all([
      mint([]),
      mint(['--expires', '90d']),
      mint([], { AUTH_MAX_TOKEN_LIFETIME: '12h' }),
    ]);
    expect(byDefault.code).toBe(0);
    const claims = decodeJwt(byDefault.stdout);
    expect(claims.exp! - claims.iat!).toBe(30 * DAY);
    expect(tooLong).toMatchObject({ code: 1, stdout: '' });
    expect(tooLong.stderr).toBe(
      '--expires 90d: token lifetime ("exp" - "iat") is 90d; this server accepts at most 30d (AUTH_MAX_TOKEN_LIFETIME). Use a shorter --expires, or raise AUTH_MAX_TOKEN_LIFETIME on the server and here.',
    );
    // Without --expires, a shorter maximum is the default lifetime.
    const short = decodeJwt(shorterMax.stdout);
    expect(short.exp! - short.iat!).toBe(12 * HOUR);
  });
});
