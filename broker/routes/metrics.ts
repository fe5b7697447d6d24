/**
 * `GET /metrics`: Prometheus text. Client shares per network, layer, scope (network | operator) and client,
 * the age of the published data, and the process' default metrics; the ledger is read once per scrape. Behind Basic auth (Prometheus scrape
 * configs take `basic_auth`) since the operator shares are the operator's business.
 */
import { Router } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerDiversityMetrics } from '../../src/diversity';
import type { DiversityService } from '../../src/service/diversity';

export function metricsRouter(diversity: DiversityService): Router {
  // One registry per app (never prom-client's global one): tests build many apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ovsb_' });
  const metrics = registerDiversityMetrics(registry, async () => ({ data: diversity.data(), ledger: await diversity.ledger() }));
  const router = Router();
  router.get('/', async (_req, res) => {
    const body = await metrics.scrape();
    res.status(200).type(registry.contentType).send(body);
  });
  return router;
}
