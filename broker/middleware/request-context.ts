/**
 * First middleware: a request id for logs (the platform's `X-Broker-API-Request-Identity` when it sends
 * one, echoed back as the spec recommends; otherwise a fresh UUID), a child logger carrying it, and one
 * access-log line per request. Runs before authentication so even a 401 carries the identity.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../src/log';

export const REQUEST_IDENTITY_HEADER = 'X-Broker-API-Request-Identity';
/** Longest request identity echoed and recorded; longer values are a client bug, not an id. */
const MAX_REQUEST_IDENTITY = 200;

declare global {
  // Express's request type is extended by declaration merging (the documented way).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The platform's request identity, or a generated UUID. */
      requestId: string;
      /** True when `requestId` came from the platform (recorded with operations). */
      requestIdFromPlatform: boolean;
      /** Logger bound to this request's id. */
      log: Logger;
    }
  }
}

/** Printable ASCII only: the value is echoed in a header and written to logs. */
const usableIdentity = (value: string | undefined): value is string =>
  value !== undefined && value.length > 0 && value.length <= MAX_REQUEST_IDENTITY && /^[\x21-\x7e]+$/.test(value);

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const sent = req.get(REQUEST_IDENTITY_HEADER);
    const fromPlatform = usableIdentity(sent);
    const requestId = fromPlatform ? sent : randomUUID();
    req.requestId = requestId;
    req.requestIdFromPlatform = fromPlatform;
    // The child logger is made on first use: most requests (polls) never log but the access line.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { get: () => (child ??= logger.child({ requestId })), configurable: true });
    res.set(REQUEST_IDENTITY_HEADER, requestId);
    if (logger.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
        // The path only: ids are not secret, query strings carry nothing we need in the access log.
        req.log.info({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms }, 'request');
      });
    }
    next();
  };
}
