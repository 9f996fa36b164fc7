/**
 * pino JSON logger. Every line carries the request context (request id, trace id, hookInstance) through a mixin.
 * Redaction is a second line of defence: callers never pass patient identifiers, genotypes or tokens.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import { currentContext } from './context';

export type { Logger };

/** Paths pino blanks out should any of them ever reach a log call. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'access_token',
  '*.access_token',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'token',
  '*.token',
  'patientId',
  '*.patientId',
  'patient',
  '*.patient',
  'prefetch',
  '*.prefetch',
  'context',
  '*.context',
];

/** What the log keeps of an unexpected error. */
export interface LoggedError {
  /** The error's type (`name`), e.g. `TypeError`; `typeof` for a thrown non-Error. */
  readonly type: string;
  /** The stack frames (`    at …` lines) only: the header line that repeats the message is left out. */
  readonly stack?: string;
}

/**
 * The one rule for logging an unexpected error: its type and its stack frames, never its message. A message (and
 * the first stack line, which repeats it) could echo request data such as a patient id; pino's own `err`
 * serializer would log both, so callers pass `{ err: errorForLog(err) }` instead of the error itself.
 */
export function errorForLog(err: unknown): LoggedError {
  if (!(err instanceof Error)) return { type: typeof err };
  const stack = err.message === '' ? (err.stack ?? '') : (err.stack ?? '').replaceAll(err.message, '');
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? { type: err.name, stack: frames.join('\n') } : { type: err.name };
}

/** Creates the process logger; `destination` lets tests capture output. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pgx-cds-hooks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin() {
        const ctx = currentContext();
        return ctx ? { ...ctx } : {};
      },
    },
    destination,
  );
}
