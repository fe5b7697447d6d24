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
import express, { type RequestHandler } from 'express';
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

const BASE_LOGGER = Symbol('ovsb.baseLogger');
const CHILD_LOGGER = Symbol('ovsb.childLogger');
interface LoggerSlots {
  [BASE_LOGGER]?: Logger;
  [CHILD_LOGGER]?: Logger;
}

// `req.log` is a getter on Express's request prototype, made once: the child logger is created on first
// use (most requests, polls, never log but the access line), and requests keep one object shape.
Object.defineProperty(express.request, 'log', {
  configurable: true,
  get(this: Express.Request & LoggerSlots): Logger {
    const base = this[BASE_LOGGER];
    if (base === undefined) throw new Error('req.log is used before the requestContext middleware ran');
    return (this[CHILD_LOGGER] ??= base.child({ requestId: this.requestId }));
  },
});

export function requestContext(logger: Logger): RequestHandler {
  // Access lines carry only the fixed fields below, never a secret: they skip redaction, which costs
  // several times the line itself on every request.
  const accessLog = logger.isLevelEnabled('info') ? logger.child({}, { redact: { paths: [] } }) : undefined;
  return (req, res, next) => {
    const header = req.headers['x-broker-api-request-identity'];
    const sent = typeof header === 'string' && header !== '' ? header : undefined;
    const problem = sent === undefined ? undefined : identityProblem(sent);
    const fromPlatform = sent !== undefined && problem === undefined;
    const requestId = fromPlatform ? sent : randomUUID();
    req.requestId = requestId;
    req.requestIdFromPlatform = fromPlatform;
    (req as LoggerSlots)[BASE_LOGGER] = logger;
    if (problem === undefined) res.setHeader(REQUEST_IDENTITY_HEADER, requestId);
    else req.log.warn({ sentLength: sent?.length }, `${REQUEST_IDENTITY_HEADER} not echoed: ${problem}; this request is logged under a fresh id`);
    if (accessLog !== undefined) {
      const started = performance.now();
      res.on('finish', () => {
        // The path only: ids are not secret, query strings carry nothing we need in the access log.
        const path = req.originalUrl.split('?', 1)[0] as string;
        const line = { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) };
        // A platform polls every running operation every few seconds: answered polls would drown the
        // log at info, so they go at debug; every other request (and any failed poll) at info.
        if (res.statusCode === 200 && req.method === 'GET' && path.endsWith('/last_operation')) accessLog.debug(line, 'request');
        else accessLog.info(line, 'request');
      });
    }
    next();
  };
}
