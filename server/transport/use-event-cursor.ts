import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';

/**
 * Every result of an event stream carries the event's cursor in `extensions.cursor`, whatever the
 * selection: clients resume from it (graphql-ws `after`), and the SSE writer turns it into `id:` lines.
 */
export function useEventCursor(): Plugin {
  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue as Partial<Context>;
      return {
        onSubscribeResult: () => ({
          onNext({ result, setResult }) {
            const cursor = ctx.streamCursor;
            if (cursor === undefined || !('data' in result)) return;
            setResult({ ...result, extensions: { ...result.extensions, cursor } });
          },
        }),
      };
    },
  };
}
