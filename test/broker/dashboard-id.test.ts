/**
 * The instance dashboard is public, so its URL carries an opaque random id per instance: the page is
 * found through the dashboard_url only, never through the OSB instance id (which it must not confirm).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, osb, sandboxPlan, type Harness } from './harness';

const PUBLIC_URL = 'https://broker.example.org/ovsb';
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ engine: 'sqlite', hold: true, publicUrl: PUBLIC_URL });
});
afterAll(async () => {
  await h.close();
});

describe('instance dashboard ids', () => {
  it('dashboard_url carries an opaque id; that id opens the page, the instance id does not; a deprovisioned instance\'s page is gone', async () => {
    const plan = sandboxPlan(h.catalog);
    const put = (id: string) =>
      osb(h.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).send({ organization_guid: 'o', space_guid: 's', service_id: plan.serviceId, plan_id: plan.id });
    const a = await put('dash-instance-a');
    const b = await put('dash-instance-b');
    await h.runQueued();
    const urlA = a.body.dashboard_url as string;
    expect(urlA).toMatch(/^https:\/\/broker\.example\.org\/ovsb\/dashboard\/instances\/[A-Za-z0-9_-]{24}$/);
    expect(urlA).not.toContain('dash-instance-a');
    expect(b.body.dashboard_url).not.toBe(urlA);
    const path = new URL(urlA).pathname.replace('/ovsb', '');
    const page = await request(h.app).get(path);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('dash-instance-a');
    const byInstanceId = await request(h.app).get('/dashboard/instances/dash-instance-a');
    expect(byInstanceId.status).toBe(404);
    // Other case, same letters: not the page (SQLite's LIKE ignores case; the lookup must not).
    const dashboardId = path.split('/').at(-1)!;
    const swapped = `/dashboard/instances/${dashboardId.replace(/[a-z]/, (c) => c.toUpperCase())}`;
    if (swapped !== path) expect((await request(h.app).get(swapped)).status).toBe(404);
    expect((await request(h.app).get('/dashboard/instances/%25')).status).toBe(404);
    const gone = await osb(h.app).delete(`/v2/service_instances/dash-instance-a?accepts_incomplete=true&service_id=${plan.serviceId}&plan_id=${plan.id}`);
    expect(gone.status).toBe(202);
    await h.runQueued();
    expect((await request(h.app).get(path)).status).toBe(404);
  });
});
