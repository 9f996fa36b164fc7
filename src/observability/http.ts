/**
 * Request context and access log. The access line carries method, route, status, an error answer's catalogue code and
 * duration; never the URL's query, the body, or headers that could hold tokens.
 */
import type { RequestHandler } from 'express';
import { requestIdFrom, runWithContext, traceIdFrom } from './context';
import type { Logger } from './logger';

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const ctx = {
      requestId: requestIdFrom(req.header('x-request-id')),
      traceId: traceIdFrom(req.header('traceparent')),
    };
    res.setHeader('X-Request-Id', ctx.requestId);
    const started = performance.now();
    runWithContext(ctx, () => {
      res.on('finish', () => {
        // `finish` may fire outside the async context: pass the context explicitly.
        runWithContext(ctx, () => {
          logger.info(
            {
              method: req.method,
              // Unmatched paths are not echoed: a client may put anything in a URL.
              path: res.statusCode === 404 ? '(unmatched)' : (req.originalUrl.split('?')[0] ?? ''),
              status: res.statusCode,
              // The catalogue code of an error answer (`noteErrorCode`), so the line says why.
              ...(typeof res.locals.errorCode === 'string' ? { code: res.locals.errorCode } : {}),
              ms: Math.round(performance.now() - started),
            },
            'request',
          );
        });
      });
      next();
    });
  };
}
