/**
 * OSB service instances: provision (PUT), fetch (GET), update (PATCH), deprovision (DELETE).
 * Per route, in the order the checks must happen: AsyncRequired (422), ids (400), body (400); then the
 * service checks what needs the catalog (service, plan, parameters, maintenance_info) before existence,
 * then conflicts and state. Auth and API version ran before (app.ts).
 */
import { Router, type Request } from 'express';
import type { Accepted, InstanceService } from '../../src/service/instances';
import { requireAcceptsIncomplete } from '../middleware/async-required';
import { jsonBody } from '../middleware/body';
import { validateRouteIds } from '../middleware/ids';
import {
  bodyObject,
  maintenanceInfoVersion,
  optionalObject,
  optionalString,
  queryString,
  requestOrigin,
  requiredString,
  routeId,
} from '../osb-request';

/** Accepted with policy warnings: one warn line each, with the facts behind it (client, share, threshold). */
function logWarnings(req: Request, instanceId: string, accepted: Accepted): void {
  for (const warning of accepted.warnings) {
    req.log.warn({ instanceId, operationId: accepted.operationId, policy: warning.policy, findings: warning.findings }, `accepted with a policy warning: ${warning.message}`);
  }
}

export function serviceInstancesRouter(instances: InstanceService, maxBodyBytes: number): Router {
  const router = Router();
  const asyncOnly = requireAcceptsIncomplete();
  const ids = validateRouteIds();
  const body = jsonBody(maxBodyBytes);

  router.put('/:instance_id', asyncOnly, ids, body, async (req, res) => {
    const fields = bodyObject(req);
    const serviceId = requiredString(fields, 'service_id');
    const planId = requiredString(fields, 'plan_id');
    // Deprecated by `context` and not used here, but v2.17 still marks both REQUIRED ("MUST be a non-empty string").
    requiredString(fields, 'organization_guid');
    requiredString(fields, 'space_guid');
    const parameters = optionalObject(fields, 'parameters');
    const context = optionalObject(fields, 'context');
    const maintenance = maintenanceInfoVersion(fields);
    const instanceId = routeId(req, 'instance_id');
    const outcome = await instances.provision({
      instanceId,
      serviceId,
      planId,
      ...(parameters !== undefined && { parameters }),
      ...(context !== undefined && { context }),
      ...(maintenance !== undefined && { maintenanceInfoVersion: maintenance }),
      ...requestOrigin(req, context),
    });
    const dashboard = outcome.dashboardUrl === undefined ? {} : { dashboard_url: outcome.dashboardUrl };
    if (outcome.kind === 'accepted') {
      logWarnings(req, instanceId, outcome);
      res.status(202).json({ ...dashboard, operation: outcome.operationId });
    } else res.status(200).json(dashboard);
  });

  router.patch('/:instance_id', asyncOnly, ids, body, async (req, res) => {
    const fields = bodyObject(req);
    const serviceId = requiredString(fields, 'service_id');
    const planId = optionalString(fields, 'plan_id');
    const parameters = optionalObject(fields, 'parameters');
    const context = optionalObject(fields, 'context');
    const maintenance = maintenanceInfoVersion(fields);
    const previous = optionalObject(fields, 'previous_values');
    const previousPlanId = previous === undefined ? undefined : optionalString(previous, 'plan_id');
    const instanceId = routeId(req, 'instance_id');
    const outcome = await instances.update({
      instanceId,
      serviceId,
      ...(planId !== undefined && { planId }),
      ...(parameters !== undefined && { parameters }),
      ...(context !== undefined && { context }),
      ...(maintenance !== undefined && { maintenanceInfoVersion: maintenance }),
      ...(previousPlanId !== undefined && { previousPlanId }),
      ...requestOrigin(req, context),
    });
    if (outcome.kind === 'accepted') {
      logWarnings(req, instanceId, outcome);
      res.status(202).json({ ...(outcome.dashboardUrl !== undefined && { dashboard_url: outcome.dashboardUrl }), operation: outcome.operationId });
    } else {
      res.status(200).json({});
    }
  });

  router.delete('/:instance_id', asyncOnly, ids, async (req, res) => {
    const serviceId = queryString(req, 'service_id', true) as string;
    const planId = queryString(req, 'plan_id', true) as string;
    const { operationId } = await instances.deprovision({ instanceId: routeId(req, 'instance_id'), serviceId, planId, ...requestOrigin(req) });
    res.status(202).json({ operation: operationId });
  });

  router.get('/:instance_id', ids, async (req, res) => {
    const serviceId = queryString(req, 'service_id', false);
    const planId = queryString(req, 'plan_id', false);
    const view = await instances.fetch(routeId(req, 'instance_id'), {
      ...(serviceId !== undefined && { serviceId }),
      ...(planId !== undefined && { planId }),
    });
    res.status(200).json({
      service_id: view.serviceId,
      plan_id: view.planId,
      parameters: view.parameters,
      ...(view.maintenanceInfo !== undefined && { maintenance_info: view.maintenanceInfo }),
      ...(view.dashboardUrl !== undefined && { dashboard_url: view.dashboardUrl }),
      ...(view.labels !== undefined && { metadata: { labels: view.labels } }),
    });
  });

  return router;
}
