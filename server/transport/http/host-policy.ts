import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { forbidden } from '../../errors.js';

/**
 * Which `Host` headers the server answers: the guard against DNS rebinding, as Vite's `server.allowedHosts`.
 * A rebinding page is served from the attacker's own name (attacker.example resolving first to them, then
 * to 127.0.0.1 or a LAN address), so its requests carry `Host: attacker.example`; the browser counts them as
 * same-origin and never asks CORS. Refusing names nobody configured ends that. IP literals and `localhost`
 * are always allowed: a rebinding needs a domain name the attacker controls.
 *
 * `allowed` entries: a name (`app.example.com`), `.example.com` for it and its subdomains, or `*` for any.
 */
export function createHostPolicy(allowed: readonly string[]): (host: string | undefined) => boolean {
  const any = allowed.includes('*');
  const exact = new Set(allowed.filter((h) => !h.startsWith('.')).map(normalizeName));
  const suffixes = allowed.filter((h) => h.startsWith('.')).map((h) => normalizeName(h.slice(1)));
  return (host) => {
    // Browsers always send Host (HTTP/1.1 requires it, and Node refuses a request without one): a request
    // without it comes from no browser, so no page can be behind it.
    if (host === undefined) return true;
    const name = hostnameOf(host);
    if (name === undefined) return false;
    if (any || name === 'localhost' || isIpLiteral(name) || exact.has(name)) return true;
    return suffixes.some((s) => name === s || name.endsWith(`.${s}`));
  };
}

const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(:\d{1,5})?$/i;

/**
 * The name in a `Host` header, lower-case, without port or trailing dot (`[::1]` keeps its brackets);
 * undefined when the header is not a plain `name[:port]` (no user info, path or spaces).
 */
export function hostnameOf(host: string): string | undefined {
  const m = HOST_HEADER.exec(host);
  return m?.[1] === undefined ? undefined : normalizeName(m[1]);
}

const normalizeName = (name: string) => name.toLowerCase().replace(/\.$/, '');

export function isIpLiteral(hostname: string): boolean {
  return isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/** The names a browser on this machine reaches the server by. */
export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

export const hostNotAllowed = (host: string | undefined) =>
  `Host "${String(host).slice(0, 100)}" is not allowed. If this server is reached by that name, add it to ALLOWED_HOSTS (a guard against DNS rebinding).`;

/**
 * Answers a request for a Host that is not allowed with 403, before Yoga (every path: /health and /metrics
 * as much as /graphql). True when it did.
 */
export function refuseForeignHost(
  req: IncomingMessage,
  res: ServerResponse,
  isHostAllowed: (host: string | undefined) => boolean,
): boolean {
  if (isHostAllowed(req.headers.host)) return false;
  res.writeHead(403, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ errors: [forbidden(hostNotAllowed(req.headers.host))] }));
  req.resume();
  return true;
}
