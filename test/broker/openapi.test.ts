/**
 * /openapi.json cannot drift from the code: the routes Express really serves (walked from the live app's
 * router stack) must be exactly the documented paths and methods, and real answers must match the
 * documented response schemas.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, osb, sandboxPlan, type Harness } from './harness';

interface RouterLayer {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly RouterLayer[] };
}

/** `METHOD /path/{param}` for every route the app serves. */
function servedRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: readonly RouterLayer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        const path = `${prefix}${layer.route.path}`.replace(/\/$/, '') || '/';
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack !== undefined) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return routes.map((r) => r.replace(/:([A-Za-z_]+)/g, '{$1}')).sort();
}

type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema: object }> }>; operationId: string };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

function documentedRoutes(doc: Document): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

let h: Harness;
let doc: Document;
let ajv: Ajv2020;

beforeAll(async () => {
  h = await createHarness({ engine: 'sqlite' });
  const res = await request(h.app).get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Document;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: doc.components });
});
afterAll(async () => {
  await h.close();
});

/** Asserts `body` matches the documented JSON schema of `method path` -> `status`. */
function expectDocumented(method: string, path: string, status: number, body: unknown): void {
  const response = doc.paths[path]?.[method]?.responses[String(status)];
  expect(response, `${method.toUpperCase()} ${path} does not document ${status}`).toBeDefined();
  const schema = response!.content?.['application/json']?.schema;
  expect(schema).toBeDefined();
  const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object;
  const validate = ajv.compile(resolved);
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}

describe('GIVEN the broker app WHEN /openapi.json is fetched without credentials', () => {
  it('THEN it is an OpenAPI 3.1 document with unique operation ids', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('THEN it documents exactly the routes the app serves', () => {
    expect(documentedRoutes(doc)).toEqual(servedRoutes(h.app));
  });

  it('THEN every path template parameter is declared as a path parameter', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort(), `${method} ${path}`).toEqual([...names].sort());
      }
    }
  });
});

describe('GIVEN real answers THEN they match the documented schemas', () => {
  it('catalog, errors, provision, last_operation, fetch, bind', async () => {
    const catalog = await osb(h.app).get('/v2/catalog');
    expectDocumented('get', '/v2/catalog', 200, catalog.body);

    const unauthenticated = await request(h.app).get('/v2/catalog');
    expectDocumented('get', '/v2/catalog', 401, unauthenticated.body);
    const unversioned = await osb(h.app).get('/v2/catalog').set('X-Broker-API-Version', '1.0');
    expectDocumented('get', '/v2/catalog', 412, unversioned.body);

    const plan = sandboxPlan(h.catalog);
    const path = '/v2/service_instances/openapi-instance';
    const sync = await osb(h.app).put(path).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id });
    expectDocumented('put', '/v2/service_instances/{instance_id}', 422, sync.body);
    const accepted = await osb(h.app).put(`${path}?accepts_incomplete=true`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id });
    expectDocumented('put', '/v2/service_instances/{instance_id}', 202, accepted.body);
    await h.settle();
    const done = await osb(h.app).get(`${path}/last_operation`);
    expectDocumented('get', '/v2/service_instances/{instance_id}/last_operation', 200, done.body);
    const fetched = await osb(h.app).get(path);
    expectDocumented('get', '/v2/service_instances/{instance_id}', 200, fetched.body);
    const bound = await osb(h.app).put(`${path}/service_bindings/b1`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id });
    expectDocumented('put', '/v2/service_instances/{instance_id}/service_bindings/{binding_id}', 201, bound.body);
    const missing = await osb(h.app).get('/v2/service_instances/absent/last_operation');
    expectDocumented('get', '/v2/service_instances/{instance_id}/last_operation', 404, missing.body);
    const ready = await request(h.app).get('/ready');
    expectDocumented('get', '/ready', ready.status, ready.body);
  });
});
