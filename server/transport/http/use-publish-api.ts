import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { HttpServerContext } from '../sse/event-streams.js';
import { type Services, operationLog } from '../../context.js';
import type { Logger } from '../../logger.js';
import { type BatchResult, publishBatch } from '../../domain/publish-batch.js';
import { type ErrorCode, badInput, batchTooLarge, internalError, unauthenticated } from '../../errors.js';
import type { Authenticate } from '../context-factory.js';
import { parsePublishBody } from './publish-request.js';

export interface PublishApiOptions {
  path: string;
  services: Services;
  authenticate: Authenticate;
}

/** The publish API's answer to one request, before any transport writes it. */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the publish API reads of a request, whichever transport took it. */
export interface ApiRequest {
  method: string;
  authorization: string | null;
  /** The body; a GraphQLError (BAD_USER_INPUT) when it cannot be read whole. */
  text(): Promise<string>;
  requestId: string;
}

/** The status of a request refused as a whole, by its error's code. */
const STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/**
 * `POST /v1/events`: the publish API for app backends in any language (docs/publishing.md). JSON in and out;
 * `Authorization: Bearer <service token | API key>`. A request refused as a whole answers `{ errors: [...] }`
 * (400 shape, 401 credential, 403 revoked key, user token or another organization, 413 batch over the limit);
 * a processed batch answers `{ results: [...] }`, one per event in order. It answers in `onRequest`, outside
 * Yoga's CSRF check: a browser cannot send the `Authorization` header it needs without a preflight. Requests
 * without an `Origin` (backends) are answered before Yoga by the HTTP listener (publish-api-route.ts); this
 * plugin answers browsers', whose CORS headers Yoga adds.
 */
export function usePublishApi(o: PublishApiOptions): Plugin<object, HttpServerContext> {
  return {
    // Synchronous for every other request: an async hook puts the hooks after it in a promise chain.
    onRequest({ request, url, fetchAPI, endResponse, serverContext }) {
      if (url.pathname !== o.path) return;
      const asked: ApiRequest = {
        method: request.method,
        authorization: request.headers.get('authorization'),
        text: () => request.text(),
        requestId: serverContext.requestId,
      };
      return answerPublishApi(o, asked).then((a) =>
        endResponse(new fetchAPI.Response(a.body, { status: a.status, headers: a.headers })),
      );
    },
  };
}

/** The publish API's whole answer to one request to its path. */
export async function answerPublishApi(o: PublishApiOptions, request: ApiRequest): Promise<ApiAnswer> {
  if (request.method !== 'POST') {
    return refusal(badInput(`${o.path} takes POST with a JSON body {"events": [ … ]}.`), 405, { allow: 'POST' });
  }
  const log = () => operationLog({ services: o.services, requestId: request.requestId });
  try {
    return await handle(o, request, log);
  } catch (err) {
    log().error({ err }, 'publish API request failed');
    return refusal(internalError(err));
  }
}

async function handle(o: PublishApiOptions, request: ApiRequest, log: () => Logger): Promise<ApiAnswer> {
  try {
    const viewer = await o.authenticate(request.authorization);
    if (!viewer) return refusal(unauthenticated('Send "Authorization: Bearer <service token or API key>".'));
    const max = o.services.limits.maxBatchEvents;
    const parsed = parsePublishBody(await request.text(), max);
    if (!parsed.ok) {
      const error = 'tooMany' in parsed ? batchTooLarge(parsed.tooMany, max) : badInput(parsed.problems.join(' '));
      return refusal(error);
    }
    return processed(await publishBatch(o.services, viewer, parsed.events, log));
  } catch (err) {
    // Expected refusals (a credential, a body cut short, a batch refused as a whole) answer; anything else is a fault.
    if (err instanceof GraphQLError) return refusal(err);
    throw err;
  }
}

/**
 * A processed batch: 200 with a result per event, unless nothing was published and every event failed for one
 * reason, which the status then says (400, 403, 404, 429 with Retry-After, 500), so that `curl --fail` and
 * HTTP-level retries see it.
 */
function processed(results: readonly BatchResult[]): ApiAnswer {
  const failures = results.filter((r): r is Extract<BatchResult, { ok: false }> => !r.ok);
  const codes = new Set(failures.map((f) => codeOf(f.error)));
  const [only] = codes;
  const status = results.length > 0 && failures.length === results.length && only ? STATUS[only] : 200;
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = String(Math.ceil(maxRetryAfterMs(failures) / 1000));
  const ok = results.filter((r) => r.ok);
  const body = {
    published: ok.filter((r) => !r.duplicate).length,
    duplicates: ok.filter((r) => r.duplicate).length,
    failed: failures.length,
    results: results.map((r) =>
      r.ok
        ? { id: r.id, cursor: r.cursor, sequence: r.sequence, duplicate: r.duplicate }
        : { error: { code: codeOf(r.error), message: r.error.message, ...details(r.error) } },
    ),
  };
  return json(status, body, headers);
}

/** A request refused as a whole, in the shape of every other HTTP error of this server. */
function refusal(error: GraphQLError, status?: number, headers: Record<string, string> = {}): ApiAnswer {
  const code = codeOf(error);
  const tooLarge = error.extensions.reason === 'BATCH_TOO_LARGE';
  const body = { errors: [{ message: error.message, extensions: { code, ...details(error) } }] };
  return json(status ?? (tooLarge ? 413 : STATUS[code]), body, headers);
}

const codeOf = (e: GraphQLError) => (e.extensions.code as ErrorCode | undefined) ?? 'INTERNAL';

/** What an error tells beyond its code (reason, position, retryAfterMs, limit); never Yoga's `http`. */
function details(e: GraphQLError): Record<string, unknown> {
  const { code: _code, http: _http, ...rest } = e.extensions as Record<string, unknown>;
  return rest;
}

const maxRetryAfterMs = (failures: ReadonlyArray<{ error: GraphQLError }>) =>
  Math.max(1_000, ...failures.map((f) => Number(f.error.extensions.retryAfterMs ?? 0)));

const json = (status: number, body: unknown, headers: Record<string, string>): ApiAnswer => ({
  status,
  // A fresh object per answer: whatwg-node's Headers writes into the object it is given.
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});
