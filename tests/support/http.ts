import { type IncomingHttpHeaders, request } from 'node:http';
import type { ExecutionResult } from 'graphql';

export interface GqlResponse<T = Record<string, unknown>> extends ExecutionResult<T> {
  status: number;
}

/** One GraphQL request over HTTP with fetch, as any client would send it. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  auth?: string,
): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      // Tests restart and kill servers on fixed ports; a pooled keep-alive socket to a server that is gone
      // would fail the next request (fetch does not retry a POST). One connection per request avoids that.
      connection: 'close',
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as ExecutionResult<T>;
  return { ...body, status: res.status };
}

/** Like gql, but fails the test on any error and returns `data`. */
export async function gqlOk<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  auth?: string,
): Promise<T> {
  const res = await gql<T>(url, query, variables, auth);
  if (res.errors?.length || !res.data)
    throw new Error(`GraphQL request failed (${res.status}): ${JSON.stringify(res.errors)}`);
  return res.data;
}

export const errorCode = (res: ExecutionResult) => res.errors?.[0]?.extensions?.code;

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request sent exactly as given: fetch normalizes the path (`..`, backslashes) and will not send a
 * forged Host header, and both are what these requests are about.
 */
export function rawHttp(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname.replace(/^\[|\]$/g, ''),
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
