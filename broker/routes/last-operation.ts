/**
 * OSB last_operation for instances and bindings. `Retry-After` (seconds) tells the platform when to poll
 * again while an operation runs; `operation`, `service_id` and `plan_id` are hints and never fail a poll.
 */
import type { Response, Router } from 'express';
import type { BindingService } from '../../src/service/bindings';
import type { InstanceService } from '../../src/service/instances';
import type { LastOperationView } from '../../src/service/views';
import { validateRouteIds } from '../middleware/ids';
import { queryHint, routeId } from '../osb-request';

function answer(res: Response, view: LastOperationView, retryAfterSec: number): void {
  if (view.state === 'in progress') res.set('Retry-After', String(retryAfterSec));
  res.status(200).json({
    state: view.state,
    description: view.description,
    ...(view.instanceUsable !== undefined && { instance_usable: view.instanceUsable }),
    ...(view.updateRepeatable !== undefined && { update_repeatable: view.updateRepeatable }),
  });
}

/**
 * Adds the two last_operation routes to the /v2 router itself rather than as a sub-router: polls are
 * the broker's hot path, and every nested router costs a dispatch per request.
 */
export function addLastOperationRoutes(router: Router, instances: InstanceService, bindings: BindingService, retryAfterSec: number): void {
  const ids = validateRouteIds();

  router.get('/service_instances/:instance_id/last_operation', ids, async (req, res) => {
    answer(res, await instances.lastOperation(routeId(req, 'instance_id'), queryHint(req, 'operation')), retryAfterSec);
  });

  router.get('/service_instances/:instance_id/service_bindings/:binding_id/last_operation', ids, async (req, res) => {
    const view = await bindings.lastOperation(routeId(req, 'instance_id'), routeId(req, 'binding_id'), queryHint(req, 'operation'));
    answer(res, view, retryAfterSec);
  });
}
