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
  /**
   * The error's real type: its `name` (e.g. `TypeError`), or its class when `name` is the generic `Error`; for a thrown
   * non-Error object its `name` or class (never pino's `"Object"` for everything), else `typeof`.
   */
  readonly type: string;
  /** A machine code the error carries (`ECONNRESET`, a SQLSTATE, `SQLITE_BUSY`, `ERR_…`): never request data. */
  readonly code?: string;
  /** The stack frames (`    at …` lines) only: the header line that repeats the message is left out. */
  readonly stack?: string;
}

/** Codes are upper-case identifiers or SQLSTATEs; anything else might be data and is left out. */
const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,40}$|^[0-9A-Z]{5}$/;

function codeOf(err: object): { code?: string } {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && SAFE_CODE.test(code) ? { code } : {};
}

function typeOf(err: object): string | undefined {
  const name = (err as { name?: unknown }).name;
  const className = (err as { constructor?: { name?: unknown } }).constructor?.name;
  const cls =
    typeof className === 'string' && className !== '' && className !== 'Object' ? className : undefined;
  if (typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,60}$/.test(name) && name !== 'Error') return name;
  return cls;
}

/**
 * The one rule for logging an unexpected error: its type, its code and its stack frames, never its message. A
 * message (and the first stack line, which repeats it) could echo request data such as a patient id; pino's own
 * `err` serializer would log both (and calls every plain object `"Object"`), so callers pass
 * `{ err: errorForLog(err) }` instead of the error itself.
 */
export function errorForLog(err: unknown): LoggedError {
  if (typeof err !== 'object' || err === null) return { type: typeof err };
  if (!(err instanceof Error)) return { type: typeOf(err) ?? 'object', ...codeOf(err) };
  const type = typeOf(err) ?? 'Error';
  const stack = err.message === '' ? (err.stack ?? '') : (err.stack ?? '').replaceAll(err.message, '');
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return { type, ...codeOf(err), ...(frames.length > 0 ? { stack: frames.join('\n') } : {}) };
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
