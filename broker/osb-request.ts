/**
 * Reading OSB requests: body fields, query parameters and headers, each checked for its type with a
 * 400 naming the field. Unknown body fields are ignored (OSB "Vendor Extension Fields").
 */
import type { Request } from 'express';
import { badRequest } from '../src/errors';
import { describeJsonBoundsViolation, isObject, jsonBoundsViolation } from '../src/json';
import { ORIGINATING_IDENTITY_HEADER, parseOriginatingIdentity } from '../src/operations/identity';
import type { JsonObject } from '../src/operations/types';
import type { RequestOrigin } from '../src/service/requests';

/**
 * The request body as an object; a missing body reads as `{}` (its required fields then fail by name).
 * Every field is bounded in depth and size (400 naming it): the broker stores and compares what it
 * accepts, and a value thousands of levels deep would overflow both.
 */
export function bodyObject(req: Request): JsonObject {
  const body: unknown = req.body;
  if (body === undefined) return {};
  if (!isObject(body)) throw badRequest('the request body must be a JSON object');
  for (const [field, value] of Object.entries(body)) {
    const violation = jsonBoundsViolation(value, field);
    if (violation !== undefined) throw badRequest(describeJsonBoundsViolation(field, violation));
  }
  const whole = jsonBoundsViolation(body, 'body');
  if (whole !== undefined) throw badRequest(describeJsonBoundsViolation('the request body', whole));
  return body;
}

export function requiredString(body: JsonObject, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw badRequest(`${field} is required in the request body`);
  if (typeof value !== 'string' || value === '') throw badRequest(`${field} must be a non-empty string, got ${describe(value)}`);
  return value;
}

export function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw badRequest(`${field} must be a non-empty string when present, got ${describe(value)}`);
  return value;
}

export function optionalObject(body: JsonObject, field: string): JsonObject | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badRequest(`${field} must be a JSON object when present, got ${describe(value)}`);
  return value;
}

/** `maintenance_info.version` (the only field the spec lets a broker read). */
export function maintenanceInfoVersion(body: JsonObject, field = 'maintenance_info'): string | undefined {
  const info = optionalObject(body, field);
  if (info === undefined) return undefined;
  const version = info['version'];
  if (typeof version !== 'string' || version === '') throw badRequest(`${field}.version must be a non-empty string`);
  return version;
}

/** One query parameter; repeated or empty values are malformed. */
export function queryString(req: Request, name: string, required: boolean): string | undefined {
  const value: unknown = req.query[name];
  if (value === undefined) {
    if (required) throw badRequest(`the query parameter ${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw badRequest(`the query parameter ${name} must be given once`);
  if (value === '') throw badRequest(`the query parameter ${name} must not be empty`);
  return value;
}

/** A hint such as `operation`: malformed values are ignored, never a reason for 400. */
export function queryHint(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Who asked: the decoded originating identity (400 if malformed) and the platform's request identity.
 * With the request's `context`, the identity's platform must be `context.platform` (OSB "Originating
 * Identity": it "MUST be the same"); 400 naming both otherwise.
 */
export function requestOrigin(req: Request, context?: JsonObject): RequestOrigin {
  const header = req.get(ORIGINATING_IDENTITY_HEADER);
  const originatingIdentity = header === undefined || header.trim() === '' ? undefined : parseOriginatingIdentity(header);
  const platform = context?.['platform'];
  if (originatingIdentity !== undefined && typeof platform === 'string' && platform !== originatingIdentity.platform) {
    throw badRequest(
      `${ORIGINATING_IDENTITY_HEADER} names platform "${clip(originatingIdentity.platform)}" but context.platform is "${clip(platform)}"; ` +
        'they must be the same',
    );
  }
  return {
    ...(originatingIdentity !== undefined && { originatingIdentity }),
    ...(req.requestIdFromPlatform && { requestIdentity: req.requestId }),
  };
}

/** Route parameters validated by `validateRouteIds`. */
export function routeId(req: Request, name: 'instance_id' | 'binding_id'): string {
  return req.params[name] as string;
}

const clip = (text: string): string => (text.length > 64 ? `${text.slice(0, 61)}...` : text);

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'an empty string';
  return `a ${typeof value}`;
}
