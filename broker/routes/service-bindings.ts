/**
 * OSB service bindings: bind (PUT), fetch (GET), unbind (DELETE). Binding is synchronous (the
 * credentials exist once the instance is provisioned), so `accepts_incomplete` is accepted and not
 * required. Mounted under /v2/service_instances/:instance_id/service_bindings.
 */
import { Router } from 'express';
import type { BindingService, BindingView } from '../../src/service/bindings';
import type { JsonObject } from '../../src/operations/types';
import { jsonBody } from '../middleware/body';
import { validateRouteIds } from '../middleware/ids';
import { bodyObject, optionalObject, optionalString, queryString, requestOrigin, routeId } from '../osb-request';

function bindingBody(view: BindingView, withParameters: boolean) {
  return {
    credentials: view.credentials,
    endpoints: view.endpoints.map((e) => ({ host: e.host, ports: e.ports, ...(e.protocol !== undefined && { protocol: e.protocol }) })),
    ...(withParameters && { parameters: view.parameters }),
  };
}

export function serviceBindingsRouter(bindings: BindingService, maxBodyBytes: number): Router {
  const router = Router({ mergeParams: true });
  const ids = validateRouteIds();

  router.put('/:binding_id', ids, jsonBody(maxBodyBytes), async (req, res) => {
    const fields = bodyObject(req);
    const predecessorBindingId = optionalString(fields, 'predecessor_binding_id');
    const serviceId = optionalString(fields, 'service_id');
    const planId = optionalString(fields, 'plan_id');
    const parameters = optionalObject(fields, 'parameters');
    const context = optionalObject(fields, 'context');
    const appGuid = optionalString(fields, 'app_guid');
    const given = optionalObject(fields, 'bind_resource');
    if (given !== undefined) optionalString(given, 'app_guid');
    // The deprecated top-level app_guid means the same as bind_resource.app_guid.
    const bindResource: JsonObject | undefined =
      appGuid !== undefined && given?.['app_guid'] === undefined ? { ...given, app_guid: appGuid } : given;
    const outcome = await bindings.bind({
      instanceId: routeId(req, 'instance_id'),
      bindingId: routeId(req, 'binding_id'),
      ...(serviceId !== undefined && { serviceId }),
      ...(planId !== undefined && { planId }),
      ...(parameters !== undefined && { parameters }),
      ...(context !== undefined && { context }),
      ...(bindResource !== undefined && { bindResource }),
      ...(predecessorBindingId !== undefined && { predecessorBindingId }),
      ...requestOrigin(req, context),
    });
    res.status(outcome.kind === 'created' ? 201 : 200).json(bindingBody(outcome, false));
  });

  router.delete('/:binding_id', ids, async (req, res) => {
    const serviceId = queryString(req, 'service_id', true) as string;
    const planId = queryString(req, 'plan_id', true) as string;
    await bindings.unbind({
      instanceId: routeId(req, 'instance_id'),
      bindingId: routeId(req, 'binding_id'),
      serviceId,
      planId,
      ...requestOrigin(req),
    });
    res.status(200).json({});
  });

  router.get('/:binding_id', ids, async (req, res) => {
    const serviceId = queryString(req, 'service_id', false);
    const planId = queryString(req, 'plan_id', false);
    const view = await bindings.fetch(routeId(req, 'instance_id'), routeId(req, 'binding_id'), {
      ...(serviceId !== undefined && { serviceId }),
      ...(planId !== undefined && { planId }),
    });
    res.status(200).json(bindingBody(view, true));
  });

  return router;
}
