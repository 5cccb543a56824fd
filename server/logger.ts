import { pino, type Logger as PinoLogger } from 'pino';
import { requestScope } from './observability/request-scope.js';

/** Structured JSON logs. Tokens and event payloads are never logged (redacted if they slip into a field). */
export type Logger = PinoLogger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      // Lines written while serving an HTTP request carry its id (graphql-ws lines carry their connection's).
      mixin: () => {
        const scope = requestScope.getStore();
        return scope ? { req: scope.requestId } : {};
      },
      redact: {
        paths: ['authorization', '*.authorization', 'token', '*.token', 'payload', '*.payload'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(2),
  );
}
