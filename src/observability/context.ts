/**
 * Per-request context carried through async calls: request id, W3C trace id and the hook instance.
 * Never holds patient identifiers, genotypes or tokens (DESIGN.md convention 6).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';

export interface RequestContext {
  readonly requestId: string;
  readonly traceId: string;
  hookInstance?: string;
  serviceId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `ctx` as the current request context. */
export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The current request context, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * The trace id from a W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header),
 * or a fresh one when the header is absent or malformed.
 */
export function traceIdFrom(traceparent: string | undefined): string {
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent?.trim() ?? '');
  const id = match?.[1];
  return id && !/^0+$/.test(id) ? id : randomBytes(16).toString('hex');
}

/** A request id: the client's `X-Request-Id` when it looks safe to echo, else a new UUID. */
export function requestIdFrom(header: string | undefined): string {
  return header && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
}
