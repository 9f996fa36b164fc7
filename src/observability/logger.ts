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
