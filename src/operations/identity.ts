/** `X-Broker-API-Originating-Identity: <platform> <base64 of a JSON object>`, decoded for the audit trail. */
import { badRequest } from '../errors';
import { describeJsonBoundsViolation, jsonBoundsViolation } from '../json';
import type { JsonObject, OriginatingIdentity } from './types';

export const ORIGINATING_IDENTITY_HEADER = 'X-Broker-API-Originating-Identity';

/** Throws OsbError 400 naming the header and what is wrong with it. */
export function parseOriginatingIdentity(header: string): OriginatingIdentity {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) {
    throw badRequest(`${ORIGINATING_IDENTITY_HEADER} must be "<platform> <base64 JSON object>", got ${header.length} characters without that shape`);
  }
  const [, platform, encoded] = match as unknown as [string, string, string];
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
    throw badRequest(`${ORIGINATING_IDENTITY_HEADER} value for platform "${platform}" is not base64`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw badRequest(`${ORIGINATING_IDENTITY_HEADER} value for platform "${platform}" does not decode to JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`${ORIGINATING_IDENTITY_HEADER} value for platform "${platform}" must decode to a JSON object`);
  }
  const violation = jsonBoundsViolation(value, 'value');
  if (violation !== undefined) throw badRequest(describeJsonBoundsViolation(`${ORIGINATING_IDENTITY_HEADER} value for platform "${platform}"`, violation));
  return { platform, value: value as JsonObject };
}
