/**
 * `GET /forks`: each offered network's scheduled forks with the time left, which plans' pinned releases
 * follow them, which live instances run releases that do and which need an upgrade (to which
 * maintenance_info version), and how fresh the release, diversity and Lido data are. Behind Basic auth
 * like /diversity: it lists the operator's instances.
 */
import { Router } from 'express';
import type { ForkService } from '../../src/service/forks';

export function forksRouter(forks: ForkService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.status(200).json(await forks.overview());
  });
  return router;
}
