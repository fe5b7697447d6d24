/**
 * First middleware: a request id for logs (the platform's `X-Broker-API-Request-Identity` when it sends
 * one, echoed back as the spec recommends; otherwise a fresh UUID, sent back too), a child logger carrying
 * it, and one access-log line per request. Runs before authentication so even a 401 carries the identity.
 *
 * The platform's value is echoed as sent when it is a safe header value (printable ASCII, spaces
 * included, at most MAX_REQUEST_IDENTITY characters: no CR/LF can reach the response). Anything else is
 * not echoed at all (a made-up id in its place would mislead the platform's tracing): the request runs
 * under a fresh UUID and a warning says so.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../src/log';

export const REQUEST_IDENTITY_HEADER = 'X-Broker-API-Request-Identity';
/** Longest request identity echoed and recorded; longer values are a client bug, not an id. */
export const MAX_REQUEST_IDENTITY = 1024;

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

/** Why a sent identity is not used, or undefined when it is (printable ASCII: echoed in a header, logged). */
function identityProblem(value: string): string | undefined {
  if (value.length > MAX_REQUEST_IDENTITY) return `it is ${value.length} characters long; the limit is ${MAX_REQUEST_IDENTITY}`;
  if (!/^[\x20-\x7e]+$/.test(value)) return 'it holds characters outside printable ASCII';
  return undefined;
}

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const sent = req.get(REQUEST_IDENTITY_HEADER);
    const problem = sent === undefined || sent === '' ? undefined : identityProblem(sent);
    const fromPlatform = sent !== undefined && sent !== '' && problem === undefined;
    const requestId = fromPlatform ? sent : randomUUID();
    req.requestId = requestId;
    req.requestIdFromPlatform = fromPlatform;
    // The child logger is made on first use: most requests (polls) never log but the access line.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { get: () => (child ??= logger.child({ requestId })), configurable: true });
    if (problem === undefined) res.set(REQUEST_IDENTITY_HEADER, requestId);
    else req.log.warn({ sentLength: sent?.length }, `${REQUEST_IDENTITY_HEADER} not echoed: ${problem}; this request is logged under a fresh id`);
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
