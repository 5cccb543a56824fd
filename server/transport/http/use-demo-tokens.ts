import type { Plugin } from 'graphql-yoga';
import { forbidden } from '../../errors.js';
import type { HttpServerContext } from '../sse/event-streams.js';
import { isLocalRequest } from './local-request.js';

const DEMO_TOKENS_ELSEWHERE =
  "Demo tokens are given only to a browser on the server's own machine (http://localhost, 127.0.0.1 or [::1], not through a proxy). " +
  'From elsewhere, mint a token on the server with `npm run token -- --sub <user id>` and paste it.';

/**
 * Local development only: the demo users' tokens, for the dashboard's sign-in screen. Only for a request
 * from this machine by a loopback name (transport/local-request.ts): with HOST=0.0.0.0 anyone on the
 * network could otherwise take an OWNER token, and a DNS-rebound page could read one.
 */
export function useDemoTokens(
  tokens: Array<{ sub: string; name: string; role: string; token: string }>,
): Plugin<Record<string, unknown>, HttpServerContext> {
  return {
    onRequest({ request, url, fetchAPI, endResponse, serverContext }) {
      if (url.pathname !== '/dev/demo-tokens') return;
      const json = (body: unknown, status = 200) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (!isLocalRequest(serverContext.req, request.headers.get('host') ?? undefined)) {
        return endResponse(json({ errors: [forbidden(DEMO_TOKENS_ELSEWHERE)] }, 403));
      }
      endResponse(json(tokens));
    },
  };
}
