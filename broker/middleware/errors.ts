/**
 * The one error handler: every failure becomes an OSB error body `{ error, description, ... }` with JSON
 * content type. Express's default handler (HTML, stack traces) never answers.
 *
 * - OsbError: its status, code, description and extra fields.
 * - Storage refusals that escaped the service layer: ConcurrencyError / 404 / 409 / 410 as they mean.
 * - body-parser failures: malformed JSON 400, too large 413, unsupported charset or encoding 415.
 * - Other client errors raised by Express (undecodable %-escapes in the path): 400.
 * - ExternalError (database, terraform): 503, details in the log only.
 * - Anything else is a bug: 500, logged with its stack, described only by the request id.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ExternalError, OsbError, notFound } from '../../src/errors';
import { LockTimeoutError, StorageConflictError } from '../../src/storage';

export interface OsbErrorBody {
  readonly error: string;
  readonly description: string;
  readonly [extra: string]: unknown;
}

interface Answer {
  readonly status: number;
  readonly body: OsbErrorBody;
}

/** body-parser and http-errors mark their errors with these. */
interface HttpishError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly expose?: unknown;
  readonly limit?: unknown;
}

function fromOsb(error: OsbError): Answer {
  return { status: error.status, body: { ...error.extra, error: error.code, description: error.description } };
}

function fromStorage(error: StorageConflictError): Answer {
  const c = error.conflict;
  switch (c.reason) {
    case 'operation-in-progress':
    case 'lease-lost':
      return { status: 422, body: { error: 'ConcurrencyError', description: `${error.message}; retry when it has finished` } };
    case 'instance-not-found':
    case 'binding-not-found':
      return { status: 404, body: { error: 'NotFound', description: error.message } };
    case 'instance-exists':
    case 'binding-exists':
      return { status: 409, body: { error: 'Conflict', description: error.message } };
    case 'operation-not-in-progress':
      return { status: 422, body: { error: 'ConcurrencyError', description: `${error.message}; retry the request` } };
  }
}

function fromHttpish(error: HttpishError & Error): Answer | undefined {
  const status = typeof error.status === 'number' ? error.status : typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, body: { error: 'BadRequest', description: `the request body is not valid JSON: ${error.message}` } };
    case 'entity.too.large':
      return {
        status: 413,
        body: { error: 'PayloadTooLarge', description: `the request body is larger than the broker accepts (${String(error.limit)} bytes)` },
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, body: { error: 'UnsupportedMediaType', description: `${error.message}; send UTF-8 JSON without content encoding` } };
    default:
      return { status: 400, body: { error: 'BadRequest', description: error.expose === true ? error.message : 'the request is malformed' } };
  }
}

export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a body of our own; let Node end the connection.
      req.log.error({ err: error }, 'error after the response started');
      next(error);
      return;
    }
    let answer: Answer | undefined;
    if (error instanceof OsbError) answer = fromOsb(error);
    else if (error instanceof StorageConflictError) answer = fromStorage(error);
    else if (error instanceof LockTimeoutError) {
      answer = { status: 422, body: { error: 'ConcurrencyError', description: `${error.message}; retry shortly` } };
    } else if (error instanceof Error) answer = fromHttpish(error as HttpishError & Error);

    if (answer === undefined && error instanceof ExternalError) {
      req.log.error({ err: error, source: error.details.source }, 'dependency failed');
      answer = {
        status: 503,
        body: {
          error: 'ServiceUnavailable',
          description: `${error.details.source} is not available right now; retry later (operators: broker log, request id ${req.requestId})`,
        },
      };
    }
    if (answer === undefined) {
      req.log.error({ err: error }, 'unexpected error');
      answer = { status: 500, body: { error: 'InternalError', description: `internal broker error; operators: see the broker log for request id ${req.requestId}` } };
    } else if (answer.status < 500) {
      req.log.debug({ status: answer.status, error: answer.body.error }, 'request refused');
    }
    res.status(answer.status).json(answer.body);
  };
}

/** Unknown path or method: an OSB 404 body rather than Express's HTML page. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(notFound(`no such endpoint: ${req.method} ${req.path.slice(0, 200)}`));
  };
}
