/**
 * `GET /dashboard` and `GET /dashboard/instances/:instance_id` (the OSB dashboard_url of instances when
 * OVSB_PUBLIC_URL is set): the diversity dashboard as one HTML page with server-rendered SVG charts.
 *
 * Unauthenticated on purpose: the people following a dashboard_url are a platform's users (stakers), who
 * hold no broker credentials. The page shows only shares (published ones and the operator's aggregate,
 * which staking pools publish anyway) and, for an instance, its plan, clients and state: never its
 * parameters, outputs or credentials. A strict CSP allows nothing but the page's own inline styles.
 */
import { Router, type Response } from 'express';
import { dashboardPage, type DashboardInstance } from '../../src/diversity/dashboard-page';
import type { DiversityService } from '../../src/service/diversity';
import { validateRouteIds } from '../middleware/ids';
import { routeId } from '../osb-request';

/** The OSB dashboard_url of an instance, given the URL the broker is reached at (OVSB_PUBLIC_URL). */
export const instanceDashboardUrl =
  (publicUrl: string) =>
  (instanceId: string): string =>
    `${publicUrl}/dashboard/instances/${encodeURIComponent(instanceId)}`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function render(res: Response, diversity: DiversityService, status: number, instance?: DashboardInstance, title?: string): Promise<void> {
  const overview = await diversity.overview();
  res
    .status(status)
    .set('Content-Security-Policy', CSP)
    .set('X-Content-Type-Options', 'nosniff')
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      dashboardPage({
        title: title ?? 'Client diversity',
        report: overview,
        thresholds: overview.thresholds,
        ...(instance !== undefined && { instance }),
      }),
    );
}

export function dashboardRouter(diversity: DiversityService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    await render(res, diversity, 200);
  });
  router.get('/instances/:instance_id', validateRouteIds(), async (req, res) => {
    const id = routeId(req, 'instance_id');
    const instance = await diversity.dashboardInstance(id);
    if (instance === undefined) await render(res, diversity, 404, undefined, `Client diversity (no node instance ${id} here)`);
    else await render(res, diversity, 200, instance, `Client diversity: instance ${id}`);
  });
  return router;
}
