/**
 * Client diversity for operators and platforms: `GET /diversity` (network-wide and operator shares,
 * statuses, thresholds, data freshness), `GET /diversity/dashboard` (the dashboard page with the
 * operator's own shares next to the published ones) and `GET /diversity/suggestions?network=&role=`
 * (offered combos ranked by how much they help diversity). Behind Basic auth like /audit: the operator
 * ledger reveals how many validators the operator runs on which clients.
 */
import { Router } from 'express';
import type { DiversityService } from '../../src/service/diversity';
import type { ForkService } from '../../src/service/forks';
import { queryString } from '../osb-request';
import { sendDashboard } from './dashboard';

export function diversityRouter(diversity: DiversityService, forks?: ForkService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const freshness = forks?.freshness() ?? [];
    const warning = forks?.staleWarning();
    res.status(200).json({ ...(await diversity.overview()), data_freshness: freshness, warnings: warning === undefined ? [] : [warning] });
  });
  router.get('/dashboard', async (_req, res) => {
    const overview = await diversity.overview();
    const forkView = forks === undefined ? [] : (await forks.overview()).forks;
    sendDashboard(res, 200, {
      title: "Client diversity: this operator's validators",
      report: overview,
      thresholds: overview.thresholds,
      forks: forkView.map((f) => ({
        network: f.network,
        fork: f.fork,
        time: f.time,
        secondsUntil: f.secondsUntil,
        instances: { ready: f.instances.ready, notReady: f.instances.upgradeRequired + f.instances.noReadyRelease },
      })),
    });
  });
  router.get('/suggestions', async (req, res) => {
    const network = queryString(req, 'network', true) as string;
    const role = queryString(req, 'role', false) ?? 'validator';
    const combos = await diversity.suggestions(network, role);
    res.status(200).json({ network, role, suggestions: combos });
  });
  return router;
}
