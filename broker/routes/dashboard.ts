/**
 * `GET /dashboard` and `GET /dashboard/instances/:dashboard_id` (the OSB dashboard_url of instances when
 * OVSB_PUBLIC_URL is set; the id is an opaque random one per instance, never the OSB instance id): the diversity dashboard as one HTML page with server-rendered SVG charts.
 *
 * Unauthenticated on purpose: the people following a dashboard_url are a platform's users (stakers), who
 * hold no broker credentials. So the page shows only network-wide data (the published shares, their
 * source and date, the policy's thresholds) and, for an instance, its plan, clients and state: never the
 * operator's validator counts or shares (those are behind Basic auth at /diversity, /metrics and the
 * operator view GET /diversity/dashboard), never an instance's parameters, outputs or credentials. A
 * strict CSP allows nothing but the page's own inline styles.
 */
import { Router, type Response } from 'express';
import { publishedReport } from '../../src/diversity';
import { dashboardPage, type DashboardPageProps } from '../../src/diversity/dashboard-page';
import type { DiversityService } from '../../src/service/diversity';
import type { ForkService } from '../../src/service/forks';

/**
 * The OSB dashboard_url of an instance, given the URL the broker is reached at (OVSB_PUBLIC_URL) and the
 * instance's opaque dashboard id (never its OSB id: the page is public).
 */
export const instanceDashboardUrl =
  (publicUrl: string) =>
  (dashboardId: string): string =>
    `${publicUrl}/dashboard/instances/${encodeURIComponent(dashboardId)}`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Sends a dashboard page with the headers every dashboard view carries. */
export function sendDashboard(res: Response, status: number, props: DashboardPageProps): void {
  res
    .status(status)
    .set('Content-Security-Policy', CSP)
    .set('X-Content-Type-Options', 'nosniff')
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(dashboardPage(props));
}

export function dashboardRouter(diversity: DiversityService, forks?: ForkService): Router {
  // Public page: the fork schedule is network-wide fact; nothing about the operator's instances.
  const render = (res: Response, status: number, props: Pick<DashboardPageProps, 'title' | 'instance'>): void => {
    const thresholds = diversity.policies();
    const now = forks?.now().getTime() ?? 0;
    const scheduled = (forks?.scheduled() ?? []).map((f) => ({
      network: f.network,
      fork: f.name,
      time: f.activation.time,
      secondsUntil: Math.round((Date.parse(f.activation.time) - now) / 1000),
    }));
    sendDashboard(res, status, { ...props, report: publishedReport(diversity.data(), thresholds), thresholds, forks: scheduled });
  };
  const router = Router();
  router.get('/', (_req, res) => {
    render(res, 200, { title: 'Client diversity' });
  });
  router.get('/instances/:dashboard_id', async (req, res) => {
    const id = req.params['dashboard_id'] as string;
    const instance = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await diversity.dashboardInstance(id) : undefined;
    // The same answer for a malformed and an unknown id: the page confirms nothing.
    if (instance === undefined) render(res, 404, { title: 'Client diversity (no such instance dashboard)' });
    else render(res, 200, { title: `Client diversity: ${instance.serviceName}, plan ${instance.planName}`, instance });
  });
  return router;
}
