/**
 * The dashboard page rendered by a real headless Chromium (Debian `chromium`, driven by playwright-core):
 * the charts are present and drawn, an instance's dashboard_url marks its clients, nothing is fetched
 * from anywhere but the broker, the CSP holds and the page logs no errors. The public pages show
 * network-wide data only; the operator's shares are on GET /diversity/dashboard, behind Basic auth.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/catalog/model';
import { CREDENTIALS, createHarness, osb, type Harness } from './harness';

const CHROMIUM = '/usr/bin/chromium';
const PUBLIC_URL = 'https://broker.example.org/ovsb';

let h: Harness;
let server: Server;
let base: string;
let browser: Browser;
let dashboardUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  h = await createHarness({ engine: 'sqlite', hold: true, publicUrl: PUBLIC_URL });
  const plan = h.catalog.plans.find(
    (p): p is NodePlan => p.kind === 'node' && p.target === 'sandbox' && p.network === 'mainnet' && p.role === 'validator' && !p.lido && p.consensus.client === 'teku',
  )!;
  const res = await osb(h.app)
    .put('/v2/service_instances/dash-1?accepts_incomplete=true')
    .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, parameters: { fee_recipient: '0x52908400098527886E0F7030069857D2E4169EE7', validator_count: 2 } });
  expect(res.status).toBe(202);
  dashboardUrl = res.body.dashboard_url as string;
  server = createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
});

async function open(path: string, credentials?: { username: string; password: string }) {
  const page = await browser.newPage(credentials && { httpCredentials: credentials });
  const requests: string[] = [];
  const problems: string[] = [];
  await page.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url().startsWith(base) ? route.continue() : route.abort();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const response = await page.goto(`${base}${path}`);
  return { page, response: response!, requests, problems };
}

describe('GIVEN a broker with a teku validator on mainnet and OVSB_PUBLIC_URL set', () => {
  it("THEN the provision answer's dashboard_url points at the instance's dashboard page", () => {
    // An opaque per-instance id, never the OSB instance id (the page is public).
    expect(dashboardUrl).toMatch(new RegExp(`^${PUBLIC_URL}/dashboard/instances/[A-Za-z0-9_-]{24}$`));
    expect(dashboardUrl).not.toContain('dash-1');
  });

  it('WHEN Chromium opens the instance dashboard THEN the charts are drawn with a bar per client and the instance marked', async () => {
    const { page, response, requests, problems } = await open(new URL(dashboardUrl).pathname.replace('/ovsb', ''));
    try {
      expect(response.status()).toBe(200);
      expect(response.headers()['content-security-policy']).toContain("default-src 'none'");
      await expect(page.title()).resolves.toMatch(/^Client diversity: .*teku.*, plan /);

      const charts = page.locator('svg.share-chart');
      expect(await charts.count()).toBeGreaterThanOrEqual(2);
      const consensus = page.locator('svg.share-chart[data-network="mainnet"][data-layer="consensus"]');
      const box = await consensus.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(100);

      // Published mainnet consensus shares: seven clients (bundled data), each a drawn bar.
      const networkBars = consensus.locator('rect.bar-network');
      expect(await networkBars.count()).toBe(7);
      const lighthouse = await consensus.locator('rect.bar-network[data-client="lighthouse"]').boundingBox();
      const lodestar = await consensus.locator('rect.bar-network[data-client="lodestar"]').boundingBox();
      expect(lighthouse!.width).toBeGreaterThan(lodestar!.width * 10);
      // Public: nothing about the operator's validators (they are all on teku, 2 of them).
      expect(await page.locator('rect.bar-operator').count()).toBe(0);
      const text = (await page.locator('body').textContent())!;
      expect(text).not.toMatch(/this operator|validators\)/);

      expect(await page.getByText('▶ teku').first().isVisible()).toBe(true);
      expect(await page.locator('#instance').textContent()).toContain('teku');
      expect(await page.getByRole('img', { name: 'mainnet consensus client shares' }).count()).toBe(1);

      expect(requests.every((url) => url.startsWith(base))).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('WHEN Chromium opens /dashboard THEN every offered network with data has both layers charted', async () => {
    const { page, response, problems } = await open('/dashboard');
    try {
      expect(response.status()).toBe(200);
      expect(await page.locator('svg.share-chart[data-network="mainnet"]').count()).toBe(2);
      expect(await page.locator('table.shares caption').first().textContent()).toContain('shares');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("WHEN Chromium opens /diversity/dashboard with the broker credentials THEN the operator's shares are charted next to the published ones", async () => {
    const { page, response, requests, problems } = await open('/diversity/dashboard', CREDENTIALS);
    try {
      expect(response.status()).toBe(200);
      expect(response.headers()['content-security-policy']).toContain("default-src 'none'");
      const consensus = page.locator('svg.share-chart[data-network="mainnet"][data-layer="consensus"]');
      expect(await consensus.locator('rect.bar-network').count()).toBe(7);
      await expect(consensus.locator('rect.bar-operator[data-client="teku"]').getAttribute('data-share')).resolves.toBe('1');
      expect(await consensus.textContent()).toContain('this operator (2 validators)');
      expect(await page.locator('table.shares thead').first().textContent()).toContain('status (this operator)');
      expect(requests.every((url) => url.startsWith(base))).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('WHEN /diversity/dashboard is opened without credentials THEN 401 and no operator data', async () => {
    const res = await fetch(`${base}/diversity/dashboard`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('bar-operator');
  });

  it('WHEN the instance is unknown THEN 404 with the dashboard still shown', async () => {
    const { page, response } = await open('/dashboard/instances/no-such-instance');
    try {
      expect(response.status()).toBe(404);
      await expect(page.title()).resolves.toContain('no such instance dashboard');
    } finally {
      await page.close();
    }
  });
});
