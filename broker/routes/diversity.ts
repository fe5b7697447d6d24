/**
 * Client diversity for operators and platforms: `GET /diversity` (network-wide and operator shares,
 * statuses, thresholds, data freshness) and `GET /diversity/suggestions?network=&role=` (offered combos
 * ranked by how much they help diversity). Behind Basic auth like /audit: the operator ledger reveals
 * how many validators the operator runs on which clients.
 */
import { Router } from 'express';
import type { DiversityService } from '../../src/service/diversity';
import { queryString } from '../osb-request';

export function diversityRouter(diversity: DiversityService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.status(200).json(await diversity.overview());
  });
  router.get('/suggestions', async (req, res) => {
    const network = queryString(req, 'network', true) as string;
    const role = queryString(req, 'role', false) ?? 'validator';
    const combos = await diversity.suggestions(network, role);
    res.status(200).json({ network, role, suggestions: combos });
  });
  return router;
}
