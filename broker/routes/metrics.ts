/**
 * `GET /metrics`: Prometheus text. Client shares per network, layer, scope (network | operator) and client,
 * the age of the published data, and the process' default metrics; the ledger is read once per scrape. Behind Basic auth (Prometheus scrape
 * configs take `basic_auth`) since the operator shares are the operator's business.
 */
import { Router } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerDiversityMetrics } from '../../src/diversity';
import { registerForkMetrics } from '../../src/releases/metrics';
import type { DiversityService } from '../../src/service/diversity';
import type { ForkService } from '../../src/service/forks';

export function metricsRouter(diversity: DiversityService, forks?: ForkService): Router {
  // One registry per app (never prom-client's global one): tests build many apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ovsb_' });
  const metrics = registerDiversityMetrics(registry, async () => ({ data: diversity.data(), ledger: await diversity.ledger() }));
  if (forks !== undefined) {
    registerForkMetrics(registry, async () => {
      const overview = await forks.overview();
      return {
        forks: overview.forks.map((f) => ({ network: f.network, fork: f.fork, secondsUntil: f.secondsUntil, notReady: f.instances.upgradeRequired + f.instances.noReadyRelease })),
        freshness: overview.dataFreshness,
      };
    });
  }
  const router = Router();
  router.get('/', async (_req, res) => {
    const body = await metrics.scrape();
    res.status(200).type(registry.contentType).send(body);
  });
  return router;
}
