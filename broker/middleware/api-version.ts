/**
 * `X-Broker-API-Version` (OSB "API Version Header"): required on every /v2 request. Accepted: major 2,
 * minor 13 or later (minor versions only add optional fields, which this broker reads when present).
 * Missing or anything else: 412 Precondition Failed naming the versions accepted.
 */
import type { RequestHandler } from 'express';
import { OsbError } from '../../src/errors';

export const API_VERSION_HEADER = 'X-Broker-API-Version';
export const MIN_MINOR_VERSION = 13;
const SUPPORTED = `2.${MIN_MINOR_VERSION} or a later 2.x (this broker implements 2.17)`;

export function apiVersion(): RequestHandler {
  return (req, _res, next) => {
    const sent = req.get(API_VERSION_HEADER);
    if (sent === undefined || sent.trim() === '') {
      next(new OsbError(412, 'PreconditionFailed', `the ${API_VERSION_HEADER} header is required; send ${API_VERSION_HEADER}: 2.17 (accepted: ${SUPPORTED})`));
      return;
    }
    const match = /^\s*(\d+)\.(\d+)\s*$/.exec(sent);
    if (match === null || Number(match[1]) !== 2 || Number(match[2]) < MIN_MINOR_VERSION) {
      next(
        new OsbError(
          412,
          'PreconditionFailed',
          `${API_VERSION_HEADER} "${sent.slice(0, 20)}" is not supported; send ${SUPPORTED}`,
        ),
      );
      return;
    }
    next();
  };
}
