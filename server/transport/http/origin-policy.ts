/**
 * Which browser origins may call the API (HTTP CORS and WebSocket upgrades alike).
 * - CORS_ORIGINS set: exactly those (`*` = any).
 * - unset: the server's own origin; outside production also any localhost origin (Vite's dev server).
 * Requests without an Origin header (mobile apps, servers, the terminal client) are not browsers: allowed.
 *
 * "The server's own origin" is an Origin whose host equals the request's Host, and only for a Host the host
 * policy allows (transport/host-policy.ts): after a DNS rebinding, `Host: attacker.example:4000` with
 * `Origin: http://attacker.example:4000` is exactly that pair, sent by the attacker's page.
 */
export function createOriginPolicy(
  corsOrigins: string[] | undefined,
  production: boolean,
  isHostAllowed: (host: string | undefined) => boolean,
) {
  const listed = new Set(corsOrigins ?? []);
  const any = listed.has('*');
  return (origin: string | undefined, host: string | undefined): boolean => {
    if (!origin) return true;
    if (any || listed.has(origin)) return true;
    if (corsOrigins) return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (host && url.host === host.toLowerCase() && isHostAllowed(host)) return true;
    return !production && (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]');
  };
}
