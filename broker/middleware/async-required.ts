/**
 * `accepts_incomplete=true` is required where this broker can only answer asynchronously (provision,
 * update and deprovision run terraform): without it, 422 AsyncRequired, checked before the request is
 * validated.
 */
import type { Request, RequestHandler } from 'express';
import { unprocessable } from '../../src/errors';

export const acceptsIncomplete = (req: Request): boolean => {
  const value = req.query['accepts_incomplete'];
  return typeof value === 'string' && value.toLowerCase() === 'true';
};

export function requireAcceptsIncomplete(): RequestHandler {
  return (req, _res, next) => {
    if (acceptsIncomplete(req)) {
      next();
      return;
    }
    next(
      unprocessable(
        'AsyncRequired',
        'This service plan requires client support for asynchronous service operations: repeat the request with ?accepts_incomplete=true and poll last_operation',
      ),
    );
  };
}
