/**
 * The broker's routes for the RPC gateway: behind the introspection (or broker) credentials, the policy
 * tables and each serving instance's direct node URLs and limits; nothing for unknown instances.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_METHODS } from '../../src/gateway/policy';
import { CREDENTIALS, createHarness, INTROSPECT_CREDENTIALS, osb, sandboxPlan, type Harness } from './harness';

const basic = (credentials: { username: string; password: string }) => `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ engine: 'sqlite' });
  const plan = sandboxPlan(h.catalog);
  expect((await osb(h.app).put('/v2/service_instances/route.1?accepts_incomplete=true').send({ service_id: plan.serviceId, plan_id: plan.id, organization_guid: 'org', space_guid: 'space' })).status).toBe(202);
  await h.settle();
});
afterAll(async () => {
  await h.close();
});

describe('GET /gateway/policy and /gateway/instances/:id', () => {
  it.each([
    ['/gateway/policy', undefined, 401],
    ['/gateway/policy', { username: 'introspect', password: 'wrong-password-123' }, 401],
    ['/gateway/policy', INTROSPECT_CREDENTIALS, 200],
    ['/gateway/policy', CREDENTIALS, 200],
    ['/gateway/instances/route.1', undefined, 401],
    ['/gateway/instances/route.1', INTROSPECT_CREDENTIALS, 200],
    ['/gateway/instances/nobody', INTROSPECT_CREDENTIALS, 404],
  ])('GET %s with %j -> %i', async (path, credentials, status) => {
    const test = request(h.app).get(path);
    const response = await (credentials === undefined ? test : test.set('Authorization', basic(credentials)));
    expect(response.status).toBe(status);
  });

  it('the policy is the catalog\'s tables (here the built-in ones)', async () => {
    const response = await request(h.app).get('/gateway/policy').set('Authorization', basic(INTROSPECT_CREDENTIALS));
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.methods).toEqual(DEFAULT_METHODS);
    expect(response.body.beacon[0]).toEqual({ method: 'GET', path: '/eth/*/debug/**', action: 'deny' });
  });

  it('an instance gives its terraform outputs\' node URLs and its plan\'s limits', async () => {
    const response = await request(h.app).get('/gateway/instances/route.1').set('Authorization', basic(INTROSPECT_CREDENTIALS));
    expect(response.body).toEqual({
      instance_id: 'route.1',
      plan_id: sandboxPlan(h.catalog).id,
      upstreams: {
        execution_http_url: expect.stringMatching(/^http:\/\/.+\.sandbox\.invalid:\d+/),
        execution_ws_url: expect.stringMatching(/^ws:\/\/.+\.sandbox\.invalid:\d+/),
        beacon_api_url: expect.stringMatching(/^http:\/\/.+\.sandbox\.invalid:\d+/),
      },
      limits: { requests_per_second: DEFAULT_LIMITS.requestsPerSecond, burst: DEFAULT_LIMITS.burst, concurrency: DEFAULT_LIMITS.concurrency, websockets: DEFAULT_LIMITS.websockets },
    });
  });

  it('without OVSB_GATEWAY_URL binding credentials keep the node URLs', async () => {
    const plan = sandboxPlan(h.catalog);
    const bound = await osb(h.app).put('/v2/service_instances/route.1/service_bindings/direct').send({ service_id: plan.serviceId, plan_id: plan.id });
    expect(bound.status).toBe(201);
    expect(bound.body.credentials.execution_http_url).toMatch(/\.sandbox\.invalid:/);
  });
});
