import { type DocumentNode, type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute, print } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { encodeCursor } from '../realtime/cursor.js';
import type { EventRecord } from '../store/types.js';

/**
 * Executes a subscription's selection once per event for every subscriber that sent the same document and
 * variables, instead of once per subscriber, and stamps each result with the event's cursor
 * (`extensions.cursor`). Sharing is safe because an Event's fields depend only on the event, never on who
 * receives it; who may receive it (organization, filters, audience, revocation) is decided before, per stream.
 */
export function useSharedEventResults(): Plugin {
  const results = new WeakMap<object, Map<string, ExecutionResult>>();
  const printed = new WeakMap<DocumentNode, string>();
  const keyOf = (a: ExecutionArgs) => {
    let doc = printed.get(a.document);
    if (doc === undefined) printed.set(a.document, (doc = print(a.document)));
    return `${a.operationName ?? ''}\u0000${doc}\u0000${JSON.stringify(a.variableValues ?? {})}`;
  };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        const key = keyOf(args);
        return mapStream(source, async (payload) => {
          if (!isEventRecord(payload)) return execute({ ...args, rootValue: payload });
          let perEvent = results.get(payload);
          if (!perEvent) results.set(payload, (perEvent = new Map()));
          let result = perEvent.get(key);
          if (!result) {
            const executed = await execute({ ...args, rootValue: payload });
            result = { ...executed, extensions: { ...executed.extensions, cursor: encodeCursor(payload.orgId, payload.seq) } };
            perEvent.set(key, result);
          }
          return result;
        });
      });
    },
  };
}

function isEventRecord(value: unknown): value is EventRecord {
  const e = value as Partial<EventRecord> | null;
  return typeof e === 'object' && e !== null && typeof e.seq === 'number' && typeof e.orgId === 'string' && typeof e.channel === 'string';
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** Maps a stream; `return()` reaches the source at once (an async generator would wait for the next item). */
function mapStream<T, U>(source: AsyncIterable<T>, map: (item: T) => Promise<U>): AsyncIterableIterator<U> {
  const it = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const r = await it.next();
      return r.done ? { value: undefined, done: true } : { value: await map(r.value), done: false };
    },
    return: async () => {
      await it.return?.();
      return { value: undefined, done: true };
    },
    throw: async (err: unknown) => {
      await it.return?.();
      throw err;
    },
  };
}
