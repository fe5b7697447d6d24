/**
 * Structured JSON logs (pino). Callers log ids, states and messages, never request bodies; the redaction
 * list is the second line of defence for fields that must never reach a log line even by mistake:
 * credentials, Authorization headers, passwords, tokens, parameters (which may be marked secret) and
 * terraform outputs.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

const SECRET_KEYS = ['authorization', 'password', 'token', 'credentials', 'parameters', 'outputs', 'jwt', 'secret'] as const;

/** Each key at the top level and up to two levels down (pino's redaction matches paths, not names). */
export const REDACTED_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerOptions {
  readonly level: LogLevel;
  /** @default stdout */
  readonly destination?: DestinationStream;
  /**
   * Paths to redact. @default REDACTED_PATHS. Wildcard paths cost on every line: a hot path whose lines
   * are flat (the gateway's access log) passes top-level keys only.
   */
  readonly redact?: readonly string[];
}

/** The secret keys at the top level only, for flat log lines. */
export const TOP_LEVEL_REDACTED_PATHS: readonly string[] = [...SECRET_KEYS, 'access_token'];

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'ovsb' },
      redact: { paths: [...(options.redact ?? REDACTED_PATHS)], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
