import { pino, type Logger as PinoLogger } from 'pino';

/** Structured JSON logs. Tokens and event payloads are never logged (redacted if they slip into a field). */
export type Logger = PinoLogger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: {
        paths: ['authorization', '*.authorization', 'token', '*.token', 'payload', '*.payload'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(2),
  );
}
