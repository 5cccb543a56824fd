import { createHash, createHmac } from 'node:crypto';
import type { AppHooksConfig } from '../config.js';
import { looksLikeApiKey } from './api-keys.js';
import type { TokenVerifier, VerifyResult } from './tokens.js';

/** Calls to the app that may wait at once, per instance: past it, a call fails at once instead of queueing. */
const MAX_IN_FLIGHT = 256;
/** Largest answer read from the app, in bytes. */
const MAX_ANSWER_BYTES = 16 * 1024;
/** Credentials whose connect answer one instance keeps. */
const MAX_CACHED_SIGN_INS = 10_000;
/** Longest an app may let a subscribe answer be reused. */
const MAX_GRANT_TTL_MS = 3_600_000;

type Answer = { status: number; body: unknown } | { failed: string };
export type HookName = 'connect' | 'subscribe';

/** What the app answered about one user's access to a guarded channel (or one subject of it). */
export type Grant = { allow: boolean; ttlMs: number } | { failed: string };

/**
 * The app's own endpoints, as Centrifugo's proxies: `connect` turns the app's credentials (a session cookie, an
 * opaque token) into a user; `subscribe` says whether a user may read a guarded channel or subject. Every call is
 * a signed JSON POST (X-Switchboard-Timestamp, X-Switchboard-Signature: sha256=HMAC(secret, "<timestamp>.<body>")),
 * bounded in time, size and concurrency, and fails closed: no answer is a refusal with its reason.
 */
export class AppHooks {
  private inFlight = 0;
  private readonly signIns = new Map<string, { until: number; result: Promise<VerifyResult> }>();
  readonly guardedChannels: ReadonlySet<string>;

  constructor(
    private readonly config: AppHooksConfig,
    private readonly onCall: (hook: HookName, outcome: string, ms: number) => void = () => {},
  ) {
    this.guardedChannels = new Set(config.guardedChannels);
  }

  get signsIn(): boolean {
    return this.config.connectUrl !== undefined;
  }

  /**
   * The user the app's connect endpoint names for these credentials (exactly what the client sent: a Cookie
   * header or an Authorization header), reused for the same credentials for AUTH_CONNECT_CACHE at most.
   */
  connect(credentials: { cookie?: string; authorization?: string }): Promise<VerifyResult> {
    const key = createHash('sha256').update(JSON.stringify(credentials)).digest('base64url');
    const now = Date.now();
    const cached = this.signIns.get(key);
    if (cached && cached.until > now) return cached.result;
    if (this.signIns.size >= MAX_CACHED_SIGN_INS) this.signIns.clear();
    const result = this.askConnect(credentials);
    const entry = { until: now + this.config.connectCacheMs, result };
    this.signIns.set(key, entry);
    void result.then((r) => {
      // A refusal or failure is not kept: the next request asks again. A user is kept until its expiry at most.
      if (!r.ok) this.signIns.delete(key);
      else if (r.viewer.expiresAt !== undefined) entry.until = Math.min(entry.until, r.viewer.expiresAt * 1000);
    });
    return result;
  }

  /** Whether the app lets `userId` read `channel` (one subject of it, or all of it when `subjectId` is null). */
  async authorize(q: { userId: string; orgId: string; channel: string; subjectId: string | null }): Promise<Grant> {
    const answer = await this.call('subscribe', this.config.subscribeUrl as string, q);
    if ('failed' in answer) return answer;
    const body = answer.body as { allow?: unknown; ttlSeconds?: unknown } | undefined;
    if (answer.status !== 200 || typeof body?.allow !== 'boolean')
      return { failed: `the app answered ${answer.status} without {"allow": true|false}` };
    const ttl = typeof body.ttlSeconds === 'number' && body.ttlSeconds > 0 ? body.ttlSeconds * 1000 : 60_000;
    return { allow: body.allow, ttlMs: Math.min(ttl, MAX_GRANT_TTL_MS) };
  }

  private async askConnect(credentials: { cookie?: string; authorization?: string }): Promise<VerifyResult> {
    const answer = await this.call('connect', this.config.connectUrl as string, { credentials });
    if ('failed' in answer) return { ok: false, reason: `the app's sign-in could not be reached (${answer.failed})` };
    if (answer.status === 401 || answer.status === 403)
      return { ok: false, reason: "the app's sign-in refused these credentials" };
    const body = answer.body as { userId?: unknown; name?: unknown; expiresAt?: unknown } | undefined;
    if (answer.status !== 200 || typeof body?.userId !== 'string' || body.userId.length < 1 || body.userId.length > 128)
      return { ok: false, reason: `the app's sign-in answered ${answer.status} without a userId` };
    const expiresAt = typeof body.expiresAt === 'number' ? body.expiresAt : undefined;
    if (expiresAt !== undefined && expiresAt * 1000 <= Date.now())
      return { ok: false, reason: "the app's sign-in answered with a session that has expired" };
    const name = typeof body.name === 'string' ? body.name.slice(0, 200) : null;
    return { ok: true, viewer: { userId: body.userId, name, isService: false, ...(expiresAt ? { expiresAt } : {}) } };
  }

  private async call(hook: HookName, url: string, payload: unknown): Promise<Answer> {
    const started = Date.now();
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.onCall(hook, 'busy', 0);
      return { failed: `${MAX_IN_FLIGHT} calls already waiting for the app` };
    }
    this.inFlight++;
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(started / 1000));
    const signature = createHmac('sha256', this.config.secret).update(`${timestamp}.${body}`).digest('hex');
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-switchboard-timestamp': timestamp,
          'x-switchboard-signature': `sha256=${signature}`,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      const answer = { status: res.status, body: await readJson(res) };
      this.onCall(
        hook,
        res.status === 200 ? 'answered' : `status_${Math.floor(res.status / 100)}xx`,
        Date.now() - started,
      );
      return answer;
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      this.onCall(hook, timedOut ? 'timeout' : 'failed', Date.now() - started);
      return { failed: timedOut ? `no answer within ${this.config.timeoutMs} ms` : (err as Error).message };
    } finally {
      this.inFlight--;
    }
  }
}

/** The answer's JSON, read up to MAX_ANSWER_BYTES; undefined when it is longer or not JSON. */
async function readJson(res: Response): Promise<unknown> {
  const reader = res.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A compact JWS (`header.payload.signature`): what Switchboard verifies itself. */
const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/**
 * The verifier with the app's sign-in beside it: JWTs and API keys are verified as before; any other bearer token
 * (an opaque session token) and a session cookie go to the app's connect endpoint.
 */
export function withAppSignIn(inner: TokenVerifier, hooks: AppHooks): TokenVerifier {
  return {
    verify: (token) =>
      looksLikeJwt(token) || looksLikeApiKey(token)
        ? inner.verify(token)
        : hooks.connect({ authorization: `Bearer ${token}` }),
    verifyCookie: (cookie) => hooks.connect({ cookie }),
  };
}
