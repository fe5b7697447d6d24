/**
 * `GET /audit`: the operations trail for operators (Basic auth, not an OSB endpoint, so no API version).
 * Filters: instance_id, binding_id, kind and state (comma-separated), platform, identity.<field>=<value>
 * (a field of the decoded originating identity, e.g. identity.user_id=...), since / until (ISO 8601),
 * order (newest-first | oldest-first), limit (1-1000, default 100).
 */
import { Router, type Request } from 'express';
import { badRequest } from '../../src/errors';
import type { OperationKind, OperationStateName } from '../../src/operations/types';
import { auditTrail } from '../../src/service/audit';
import type { OperationQuery, Storage } from '../../src/storage/types';
import { queryString } from '../osb-request';

const KINDS: readonly OperationKind[] = ['provision', 'update', 'deprovision', 'bind', 'unbind'];
const STATES: readonly OperationStateName[] = ['in progress', 'succeeded', 'failed'];

function list<T extends string>(req: Request, name: string, allowed: readonly T[]): T[] | undefined {
  const text = queryString(req, name, false);
  if (text === undefined) return undefined;
  const values = text.split(',').map((v) => v.trim());
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (unknown.length > 0) throw badRequest(`${name} "${unknown.join(',')}" is not one of ${allowed.join(', ')}`);
  return values as T[];
}

function date(req: Request, name: string): Date | undefined {
  const text = queryString(req, name, false);
  if (text === undefined) return undefined;
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw badRequest(`${name} "${text}" is not an ISO 8601 date, e.g. 2026-01-31T00:00:00Z`);
  return value;
}

function auditQuery(req: Request): OperationQuery {
  const identity: Record<string, string> = {};
  for (const key of Object.keys(req.query)) {
    if (!key.startsWith('identity.')) continue;
    const field = key.slice('identity.'.length);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(field)) throw badRequest(`${key}: identity fields are letters, digits, _ and -`);
    identity[field] = queryString(req, key, true) as string;
  }
  const limitText = queryString(req, 'limit', false);
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
    throw badRequest(`limit "${limitText}" must be an integer from 1 to 1000`);
  }
  const order = queryString(req, 'order', false);
  if (order !== undefined && order !== 'newest-first' && order !== 'oldest-first') {
    throw badRequest(`order "${order}" must be newest-first or oldest-first`);
  }
  const instanceId = queryString(req, 'instance_id', false);
  const bindingId = queryString(req, 'binding_id', false);
  const platform = queryString(req, 'platform', false);
  const kinds = list(req, 'kind', KINDS);
  const states = list(req, 'state', STATES);
  const since = date(req, 'since');
  const until = date(req, 'until');
  return {
    ...(instanceId !== undefined && { instanceId }),
    ...(bindingId !== undefined && { bindingId }),
    ...(platform !== undefined && { platform }),
    ...(kinds !== undefined && { kinds }),
    ...(states !== undefined && { states }),
    ...(Object.keys(identity).length > 0 && { identity }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
    ...(order !== undefined && { order }),
    ...(limit !== undefined && { limit }),
  };
}

export function auditRouter(storage: Storage): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.status(200).json({ operations: await auditTrail(storage, auditQuery(req)) });
  });
  return router;
}
