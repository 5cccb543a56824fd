import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { hostnameOf, isLoopbackHostname } from './host-policy.js';

/**
 * Whether a request comes from a browser on the server's own machine, the only place local-development
 * conveniences (the demo users' tokens) are handed out. All three must hold:
 * - the TCP peer is a loopback address: nobody on the network, whatever HOST the server listens on;
 * - the Host is a loopback name (localhost, 127.0.0.1, [::1]): a DNS-rebound page on this machine sends its
 *   own name, and so does a browser that reached the server by a LAN name or address;
 * - no proxy header: a reverse proxy on this machine makes every client's peer address loopback.
 * Decided from plain values so that the rule is tested directly; the transport tests add a real peer.
 */
export function isLocalRequest(
  req: Pick<IncomingMessage, 'headers' | 'socket'> | undefined,
  host: string | undefined,
): boolean {
  if (!req || !isLoopbackAddress(req.socket?.remoteAddress)) return false;
  const name = host === undefined ? undefined : hostnameOf(host);
  if (name === undefined || !isLoopbackHostname(name)) return false;
  const h = req.headers;
  return h.forwarded === undefined && h['x-forwarded-for'] === undefined && h['x-real-ip'] === undefined;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack listener reports for 127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || (isIPv4(v4) && v4.startsWith('127.'));
}
