/**
 * RequiresApp (OSB "Binding", 422): an operator whose platform scopes credentials to applications sets
 * `broker.requires_app: true` in catalog.yaml; plans then advertise it in their metadata and a bind without
 * `bind_resource.app_guid` (or the deprecated top-level `app_guid`) is refused with error RequiresApp.
 * On both storages.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledCatalogPath, loadCatalog, parseCatalog } from '../../src/catalog/load';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { createHarness, osb, sandboxPlan, type Engine, type Harness } from './harness';

const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

const REQUIRES_APP_LINE = /^ {2}requires_app: false\b.*$/m;

function catalogRequiringApps() {
  const text = readFileSync(bundledCatalogPath(), 'utf8');
  expect(text).toMatch(REQUIRES_APP_LINE);
  return parseCatalog(text.replace(REQUIRES_APP_LINE, '  requires_app: true'), 'catalog.yaml (requires_app: true)');
}

describe.each(ENGINES)('GIVEN a catalog with broker.requires_app: true, on %s', (engine) => {
  let h: Harness;
  const instanceId = 'requires-app-instance';
  const instancePath = `/v2/service_instances/${instanceId}`;

  beforeAll(async () => {
    h = await createHarness({ engine, ...(postgres !== undefined && { postgres }), catalog: catalogRequiringApps() });
    const plan = sandboxPlan(h.catalog);
    const provision = await osb(h.app).put(`${instancePath}?accepts_incomplete=true`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id });
    expect(provision.status).toBe(202);
    await h.settle();
    const done = await osb(h.app).get(`${instancePath}/last_operation`);
    expect(done.body.state).toBe('succeeded');
  });
  afterAll(async () => {
    await h.close();
  });

  it('THEN every plan advertises requires_app in its metadata', async () => {
    const res = await osb(h.app).get('/v2/catalog');
    const plans = (res.body.services as { plans: { metadata: Record<string, unknown> }[] }[]).flatMap((s) => s.plans);
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.every((p) => p.metadata['requires_app'] === true)).toBe(true);
  });

  it.each([
    ['no app at all', {}],
    ['a bind_resource without app_guid', { bind_resource: { route: 'rpc.example.org' } }],
  ])('WHEN a bind carries %s THEN 422 RequiresApp naming the field', async (_name, extra) => {
    const plan = sandboxPlan(h.catalog);
    const res = await osb(h.app)
      .put(`${instancePath}/service_bindings/refused-binding`)
      .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, ...extra });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('RequiresApp');
    expect(res.body.description).toContain('bind_resource.app_guid');
    const fetched = await osb(h.app).get(`${instancePath}/service_bindings/refused-binding`);
    expect(fetched.status).toBe(404);
  });

  it.each([
    ['bind_resource.app_guid', 'bound-by-resource', { bind_resource: { app_guid: 'app-1' } }],
    ['the deprecated top-level app_guid', 'bound-by-app-guid', { app_guid: 'app-2' }],
  ])('WHEN a bind names the application in %s THEN 201 with credentials', async (_name, bindingId, extra) => {
    const plan = sandboxPlan(h.catalog);
    const res = await osb(h.app)
      .put(`${instancePath}/service_bindings/${bindingId}`)
      .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, ...extra });
    expect(res.status).toBe(201);
    expect(typeof res.body.credentials.token).toBe('string');
  });
});

describe('GIVEN the bundled catalog (requires_app: false)', () => {
  it('THEN plans do not advertise requires_app', () => {
    const catalog = loadCatalog();
    const plans = catalog.toOsbCatalog().services.flatMap((s) => s.plans);
    expect(plans.some((p) => 'requires_app' in p.metadata)).toBe(false);
  });
});
