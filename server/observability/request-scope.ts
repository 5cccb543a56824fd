import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The HTTP request being served, for everything that runs on its behalf: every log line written while
 * serving it carries its id (the logger's mixin reads this), and the response echoes it in `x-request-id`.
 */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** The caller's `x-request-id` (trimmed to 64 characters) or a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return (typeof given === 'string' && given.slice(0, 64)) || randomUUID();
}
