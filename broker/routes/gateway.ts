/**
 * Routes for the RPC gateway (`ovsb gateway`), behind the introspection credentials like /introspect:
 *   GET /gateway/policy                  method, subscription and beacon route -> scope action tables
 *   GET /gateway/instances/:instance_id  the instance's direct node URLs and its plan's per-token limits
 * Not part of the OSB API: node URLs stay between the broker, the gateway and the operator.
 */
import { Router } from 'express';
import { notFound } from '../../src/errors';
import type { GatewayDirectory } from '../../src/service/gateway-directory';

export function gatewayRouter(directory: GatewayDirectory): Router {
  const router = Router();
  router.get('/policy', (_req, res) => {
    const policy = directory.policy();
    res.set('Cache-Control', 'no-store').json({ methods: policy.methods, subscriptions: policy.subscriptions, beacon: policy.beacon });
  });
  router.get('/instances/:instance_id', async (req, res) => {
    const instance = await directory.instance(req.params.instance_id);
    if (instance === undefined) throw notFound(`service instance ${req.params.instance_id} does not exist or does not serve`);
    const { limits } = instance;
    res.set('Cache-Control', 'no-store').json({
      instance_id: instance.instanceId,
      plan_id: instance.planId,
      upstreams: instance.upstreams,
      limits: { requests_per_second: limits.requestsPerSecond, burst: limits.burst, concurrency: limits.concurrency, websockets: limits.websockets },
    });
  });
  return router;
}
