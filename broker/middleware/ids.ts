/**
 * Instance and binding ids from the URL. The spec RECOMMENDS RFC 3986 unreserved characters; this
 * broker requires them (letters, digits, `-`, `.`, `_`, `~`), at most MAX_ID_LENGTH long, and not `.` or
 * `..`: ids name database rows and, hashed, terraform workspaces, so nothing path-like gets through.
 */
import type { RequestHandler } from 'express';
import { badRequest } from '../../src/errors';

export const MAX_ID_LENGTH = 255;
const UNRESERVED = /^[A-Za-z0-9._~-]+$/;

/** Undefined when valid; otherwise why not, naming the field. */
export function idProblem(field: string, value: string): string | undefined {
  if (value.length === 0) return `${field} must not be empty`;
  if (value.length > MAX_ID_LENGTH) return `${field} is ${value.length} characters long; the limit is ${MAX_ID_LENGTH}`;
  if (!UNRESERVED.test(value)) {
    return `${field} "${printable(value)}" contains characters outside RFC 3986 unreserved (A-Z a-z 0-9 - . _ ~); use a GUID`;
  }
  if (value === '.' || value === '..') return `${field} "${value}" is not an id; use a GUID`;
  return undefined;
}

/** For messages: control characters and anything beyond ASCII escaped, length capped. */
function printable(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
  return shown.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Validates every `*_id` route parameter present (`instance_id`, `binding_id`). */
export function validateRouteIds(): RequestHandler {
  return (req, _res, next) => {
    for (const field of ['instance_id', 'binding_id'] as const) {
      const value: unknown = req.params[field];
      if (value === undefined) continue;
      const problem = typeof value === 'string' ? idProblem(field, value) : `${field} must be a single path segment`;
      if (problem !== undefined) {
        next(badRequest(problem));
        return;
      }
    }
    next();
  };
}
