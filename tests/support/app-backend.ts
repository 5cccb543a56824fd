import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const HOOK_SECRET = 'app-hook-secret-that-is-long-enough-0123456789';

export interface Session {
  userId: string;
  name: string;
  /** Seconds since the epoch. */
  expiresAt?: number;
}

export interface HookCall {
  path: string;
  body: any;
}

/**
 * A small app backend in the test process, as a Next.js app with NextAuth would run one: sessions by cookie
 * (`next-auth.session-token`) or opaque bearer token, and room access by user. It checks Switchboard's signature
 * on every call (answering 400 to an unsigned or forged one), and can be slow or broken on purpose.
 */
export async function startAppBackend() {
  const sessions = new Map<string, Session>();
  const rooms = new Set<string>(); // `${userId}:${subjectId}`
  const calls: HookCall[] = [];
  let badSignatures = 0;
  const behaviour = { slowMs: 0, failing: false };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!signedBySwitchboard(req, text)) {
      badSignatures++;
      return send(res, 400, { error: 'bad signature' });
    }
    const body = JSON.parse(text);
    calls.push({ path: req.url ?? '', body });
    if (behaviour.slowMs > 0) await new Promise((r) => setTimeout(r, behaviour.slowMs));
    if (behaviour.failing) return send(res, 500, { error: 'database down' });
    if (req.url === '/api/switchboard/connect') {
      const session = sessionOf(body.credentials);
      return session ? send(res, 200, session) : send(res, 401, { error: 'no session' });
    }
    if (req.url === '/api/switchboard/subscribe') {
      return send(res, 200, { allow: rooms.has(`${body.userId}:${body.subjectId}`), ttlSeconds: 300 });
    }
    send(res, 404, {});
  }
  function sessionOf(credentials: { cookie?: string; authorization?: string }): Session | undefined {
    const fromCookie = /(?:^|;\s*)next-auth\.session-token=([^;]+)/.exec(credentials.cookie ?? '')?.[1];
    const fromBearer = /^Bearer (\S+)$/.exec(credentials.authorization ?? '')?.[1];
    return sessions.get(fromCookie ?? fromBearer ?? '');
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sessions,
    rooms,
    calls,
    behaviour,
    badSignatures: () => badSignatures,
    env: {
      AUTH_CONNECT_URL: `${base}/api/switchboard/connect`,
      AUTH_SUBSCRIBE_URL: `${base}/api/switchboard/subscribe`,
      AUTH_HOOK_SECRET: HOOK_SECRET,
      AUTH_GUARDED_CHANNELS: 'room,typing',
      AUTH_HOOK_TIMEOUT: '400ms',
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the app's docs tell it to check (docs/security.md): the HMAC of "<timestamp>.<body>", recent. */
function signedBySwitchboard(req: IncomingMessage, body: string): boolean {
  const timestamp = String(req.headers['x-switchboard-timestamp'] ?? '');
  const given = String(req.headers['x-switchboard-signature'] ?? '').replace(/^sha256=/, '');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', HOOK_SECRET).update(`${timestamp}.${body}`).digest('hex');
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
