/**
 * JSON request bodies: the media types accepted, the parser, and a screen of what was parsed, shared by every mount
 * that takes a body.
 */
import express from 'express';
import type { RequestHandler } from 'express';
import { AppError } from './errors';

/** The media types a JSON body may declare (`+json` covers `application/fhir+json` and other suffixes). */
const JSON_TYPES = ['application/json', 'application/fhir+json', '+json'];

/**
 * Deepest nesting accepted. A FHIR Bundle in a prefetch key, with a contained resource and its components, nests
 * about 12 levels below the request; 100 leaves room for any real client and refuses a crafted 10,000-level body
 * before code that recurses meets it.
 */
export const MAX_BODY_DEPTH = 100;

/** POST bodies must be JSON (`application/json` or `application/fhir+json`): 415 otherwise. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.method === 'POST' && !req.is(JSON_TYPES)) throw new AppError('HTTP_UNSUPPORTED_MEDIA_TYPE');
  next();
};

/**
 * The bytes of request bodies this process holds at once, across the mounts that share it. A JSON body is read whole
 * into memory before it is parsed, so without a bound a client that opens many connections, sends most of a body on
 * each and then stalls (or simply sends many large bodies at once) grows the process without limit: 300 such uploads
 * of 5 MB held 1.3 GB, where a container's memory limit ends the process and every call in it. A body reserves its
 * declared `Content-Length` (the parser's limit when it declares none, as a chunked upload) before it is read, and
 * gives it back when its response is done or the client has gone; a body that does not fit is refused at once with
 * 503 `HTTP_BUSY` and `Retry-After`, and its connection closed, so what it would have sent is never read.
 */
export interface BodyBudget {
  /** Reserves the request's body (at most `limitBytes`, the parser's limit) or refuses it. */
  reserve(limitBytes: number): RequestHandler;
}

/** Seconds a client refused by the body budget is asked to wait. */
export const BUSY_RETRY_AFTER_S = 1;

/** `onChange` hears the bytes reserved after every change (the `/metrics` gauge). */
export function createBodyBudget(maxBytes: number, onChange?: (held: number) => void): BodyBudget {
  let held = 0;
  return {
    reserve: (limitBytes) => (req, res, next) => {
      const length = req.headers['content-length'];
      // No body: neither a length nor a chunked transfer (type-is's `hasBody`, which body-parser reads by).
      if (length === undefined && req.headers['transfer-encoding'] === undefined) {
        next();
        return;
      }
      const declared = Number(length);
      // An over-limit declaration is the parser's to refuse (413), not a reason to say the service is busy.
      const bytes =
        Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, limitBytes) : limitBytes;
      if (held + bytes > maxBytes) {
        throw new AppError('HTTP_BUSY', [], {
          'Retry-After': String(BUSY_RETRY_AFTER_S),
          Connection: 'close',
        });
      }
      held += bytes;
      onChange?.(held);
      res.once('close', () => {
        held -= bytes;
        onChange?.(held);
      });
      next();
    },
  };
}

/**
 * Reserves the body in `budget`, parses a JSON body of at most `limitBytes`, then screens it (`screenJson`); parse
 * failures reach the error handler as `HTTP_` codes. Without a budget for small bodies read before anyone is
 * authenticated: sharing the hooks' budget would let one anonymous client fill it and keep advice from everyone.
 */
export function parseJsonBody(limitBytes: number, budget?: BodyBudget): RequestHandler[] {
  /** Bodies whose text cannot hold U+0000 or a lone surrogate (see `screenJson`'s `texts`). */
  const plainText = new WeakSet<object>();
  return [
    ...(budget ? [budget.reserve(limitBytes)] : []),
    express.json({
      limit: limitBytes,
      type: JSON_TYPES,
      verify: (req, _res, buf, encoding) => {
        // UTF-8 text decodes a malformed sequence to U+FFFD, and JSON text cannot hold a raw control character: only a
        // \u escape can put U+0000 or a lone surrogate into a parsed string.
        if (/^utf-?8$/i.test(encoding) && !buf.includes('\\u')) plainText.add(req);
      },
    }),
    (req, res, next) => {
      const problem = screenJson(req.body, { texts: !plainText.has(req) });
      if (problem !== undefined) throw new AppError('HTTP_INVALID_BODY', [problem]);
      res.once('close', () => {
        releaseBody(req);
      });
      next();
    },
  ];
}

/**
 * Lets go of the parsed body once the response is done (or the client has gone). Without this, every call's parsed
 * body (about 0.4 MB of objects for a realistic order-sign request) stayed reachable to the young-generation garbage
 * collector after its answer was sent, until the next full collection: something outside this code keeps the request
 * object reachable that long (not found; a full collection frees it). Each young collection then copied and promoted
 * every body since the last, which cost a realistic order-sign call about a sixth of its CPU (`npm run bench`;
 * docs/speed.md).
 */
function releaseBody(req: { body?: unknown }): void {
  req.body = undefined;
}

/**
 * Checks a parsed JSON value without recursion (so depth cannot overflow the stack) and removes every own
 * `__proto__` key (JSON.parse makes it an ordinary property, which a later spread or assignment could turn into a
 * prototype; it has no meaning in CDS Hooks or FHIR). Returns the first problem, or undefined:
 * - nesting deeper than `MAX_BODY_DEPTH`;
 * - a string or key that is not well-formed Unicode (a lone surrogate: RFC 8259 §8.2 says such JSON is not
 *   interoperable, and it cannot be percent-encoded into a FHIR query);
 * - U+0000 in a string or key: FHIR strings exclude control characters below U+0020 except tab, CR and LF
 *   (https://hl7.org/fhir/R4/datatypes.html#string), and PostgreSQL `text` cannot hold it, so it is refused rather
 *   than silently stripped (stripping could turn one identifier into another).
 * `texts: false` skips the two text checks, for a value parsed from UTF-8 text without a `\u` escape (which cannot
 * hold either).
 */
export function screenJson(root: unknown, options: { readonly texts?: boolean } = {}): string | undefined {
  const texts = options.texts ?? true;
  // Two stacks rather than one of [value, depth] pairs: a realistic order-sign body has about 50,000 values.
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop() as number;
    if (typeof value === 'string') {
      const problem = texts ? textProblem(value) : undefined;
      if (problem) return `a string ${problem}`;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) return `nested deeper than ${MAX_BODY_DEPTH} levels`;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    const record = value as Record<string, unknown>;
    if (Object.prototype.hasOwnProperty.call(record, '__proto__')) delete record['__proto__'];
    for (const key in record) {
      const problem = texts ? textProblem(key) : undefined;
      if (problem) return `a property name ${problem}`;
      values.push(record[key]);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

/** `String.prototype.isWellFormed` (Node 20; the ES2024 lib is not in this project's tsconfig). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds U+0000';
  if (!isWellFormed(text)) return 'holds a lone surrogate (not Unicode text)';
  return undefined;
}
