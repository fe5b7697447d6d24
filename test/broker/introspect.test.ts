/**
 * Binding tokens over HTTP: bind issues a token with scopes, POST /introspect reports it live with those
 * scopes, unbind (and deprovision) revoke it at once, unknown tokens are inactive, and no token reaches
 * the logs. The gateway's introspection credentials open /introspect and nothing else.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTROSPECT_PASSWORD_FILE, loadConfig, PASSWORD_FILE, resolveBrokerCredentials, resolveIntrospectionCredentials } from '../../src/config';
import { CREDENTIALS, createHarness, INTROSPECT_CREDENTIALS, osb, sandboxPlan, type Harness } from './harness';

const basic = (credentials: { username: string; password: string }) => `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
const AUTH = basic(INTROSPECT_CREDENTIALS);
let h: Harness;
const instancePath = '/v2/service_instances/intro.1';

beforeAll(async () => {
  h = await createHarness({ engine: 'sqlite' });
  const plan = sandboxPlan(h.catalog);
  expect((await osb(h.app).put(`${instancePath}?accepts_incomplete=true`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id })).status).toBe(202);
  await h.settle();
});
afterAll(async () => {
  await h.close();
});

const introspectForm = (token: string) => request(h.app).post('/introspect').set('Authorization', AUTH).type('form').send({ token });
const bind = (id: string, parameters?: Record<string, unknown>) => {
  const plan = sandboxPlan(h.catalog);
  return osb(h.app)
    .put(`${instancePath}/service_bindings/${id}`)
    .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, ...(parameters && { parameters }) });
};

describe('GIVEN a provisioned instance "intro.1"', () => {
  it('WHEN bound with no scopes THEN the token introspects active with the default scope, then inactive at once after unbind', async () => {
    const bound = await bind('b-default');
    expect(bound.status).toBe(201);
    const token = bound.body.credentials.token as string;
    expect(bound.body.credentials.scope).toBe('pool:validator.intro_2e1:read.basic');

    const live = await introspectForm(token);
    expect(live.status).toBe(200);
    expect(live.headers['cache-control']).toBe('no-store');
    expect(live.body).toMatchObject({
      active: true,
      scope: 'pool:validator.intro_2e1:read.basic',
      token_type: 'bearer',
      instance_id: 'intro.1',
      binding_id: 'b-default',
      sub: 'b-default',
      aud: 'intro.1',
    });
    expect(typeof live.body.iat).toBe('number');

    const plan = sandboxPlan(h.catalog);
    const unbound = await osb(h.app).delete(`${instancePath}/service_bindings/b-default`).query({ service_id: plan.serviceId, plan_id: plan.id });
    expect(unbound.status).toBe(200);
    expect((await introspectForm(token)).body).toEqual({ active: false });
  });

  it('WHEN a binding is rotated (predecessor_binding_id, the catalog says binding_rotatable) THEN the successor has a new token with the same scopes and both work until the predecessor is unbound', async () => {
    const plan = sandboxPlan(h.catalog);
    const catalog = await osb(h.app).get('/v2/catalog');
    const offered = catalog.body.services.flatMap((s: { plans: { id: string; binding_rotatable?: boolean }[] }) => s.plans).find((p: { id: string }) => p.id === plan.id);
    expect(offered.binding_rotatable).toBe(true);
    const scopes = ['pool:validator.intro_2e1:read.blocks'];
    const first = await bind('b-rot-1', { scopes });
    expect(first.status).toBe(201);
    const successor = await osb(h.app).put(`${instancePath}/service_bindings/b-rot-2`).send({ predecessor_binding_id: 'b-rot-1' });
    expect(successor.status).toBe(201);
    const [oldToken, newToken] = [first.body.credentials.token as string, successor.body.credentials.token as string];
    expect(newToken).not.toBe(oldToken);
    expect((await introspectForm(oldToken)).body.active).toBe(true);
    expect((await introspectForm(newToken)).body).toMatchObject({ active: true, scope: scopes.join(' ') });
    const unbound = await osb(h.app).delete(`${instancePath}/service_bindings/b-rot-1`).query({ service_id: plan.serviceId, plan_id: plan.id });
    expect(unbound.status).toBe(200);
    expect((await introspectForm(oldToken)).body).toEqual({ active: false });
    expect((await introspectForm(newToken)).body.active).toBe(true);
    const unknown = await osb(h.app).put(`${instancePath}/service_bindings/b-rot-3`).send({ predecessor_binding_id: 'b-rot-1' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.description).toContain('predecessor_binding_id');
  });

  it('WHEN bound asking for narrower scopes THEN they are granted and introspected; JSON requests work too', async () => {
    // An RPC plan: its allowance (catalog.yaml scopes.allowed.rpc) is pool:validator.{instance_id}:read.*.
    const scopes = ['pool:validator.intro_2e1:read.blocks', 'pool:validator.intro_2e1:read.basic'];
    const bound = await bind('b-narrow', { scopes });
    expect(bound.status).toBe(201);
    const live = await request(h.app).post('/introspect').set('Authorization', AUTH).send({ token: bound.body.credentials.token });
    expect(live.body.active).toBe(true);
    expect(live.body.scope.split(' ').sort()).toEqual([...scopes].sort());
  });

  it.each([
    ['another instance', ['pool:validator.other:read.basic']],
    ['every validator', ['pool:validator.*:read.basic']],
    ['a template', ['pool:validator.{id}:read.basic']],
    ['more than the RPC plan allows', ['pool:validator.intro_2e1:write.exit']],
    ['nothing', []],
  ])('WHEN bound asking for %s THEN 400 naming the scope and nothing is bound', async (_name, scopes) => {
    const res = await bind('b-wide', { scopes });
    expect(res.status).toBe(400);
    expect(res.body.description).toContain(scopes[0] ?? 'scopes');
    expect((await osb(h.app).get(`${instancePath}/service_bindings/b-wide`)).status).toBe(404);
  });

  it.each([
    ['an unknown token', 'ovsb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a token of another format', 'Bearer xyz'],
  ])('WHEN introspecting %s THEN inactive, nothing more', async (_name, token) => {
    const res = await introspectForm(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it.each([
    ['no credentials', undefined, { token: 'x' }, 401],
    ['wrong credentials', `Basic ${Buffer.from('platform:wrong').toString('base64')}`, { token: 'x' }, 401],
    ['no token', AUTH, {}, 400],
  ])('WHEN introspecting with %s THEN %s', async (_name, authorization, body, status) => {
    const call = request(h.app).post('/introspect').type('form');
    if (authorization !== undefined) call.set('Authorization', authorization);
    expect((await call.send(body)).status).toBe(status);
  });

  it('WHEN the gateway introspects with the broker credentials THEN they work there too', async () => {
    const bound = await bind('b-broker-auth');
    const res = await request(h.app).post('/introspect').set('Authorization', basic(CREDENTIALS)).type('form').send({ token: bound.body.credentials.token });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(true);
  });

  it('WHEN the introspection credentials are wrong THEN 401 naming the introspection credentials', async () => {
    const res = await request(h.app).post('/introspect').set('Authorization', basic({ username: 'gateway', password: 'wrong-password-x' })).type('form').send({ token: 'x' });
    expect(res.status).toBe(401);
    expect(res.body.description).toContain('OVSB_INTROSPECT_USERNAME / OVSB_INTROSPECT_PASSWORD');
  });

  it.each([
    ['GET', '/v2/catalog'],
    ['PUT', '/v2/service_instances/gateway-made?accepts_incomplete=true'],
    ['DELETE', `${instancePath}?accepts_incomplete=true`],
    ['PUT', `${instancePath}/service_bindings/gateway-bound`],
    ['GET', '/audit'],
    ['GET', '/diversity'],
    ['GET', '/diversity/dashboard'],
    ['GET', '/metrics'],
  ])('WHEN the introspection credentials are used on %s %s THEN 401: they open /introspect and /gateway only', async (method, path) => {
    const plan = sandboxPlan(h.catalog);
    const call = request(h.app)[method.toLowerCase() as 'get' | 'put' | 'delete'](path).set('Authorization', AUTH).set('X-Broker-API-Version', '2.17');
    const res = method === 'GET' ? await call : await call.query({ service_id: plan.serviceId, plan_id: plan.id }).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id });
    expect(res.status).toBe(401);
    expect(res.body.description).toMatch(/use the broker credentials/);
  });

  it.each(['/v2/catalog', '/audit', '/diversity', '/metrics'])('WHEN the broker credentials are used on GET %s THEN they are accepted (the 401s above are the credentials)', async (path) => {
    expect((await request(h.app).get(path).set('Authorization', basic(CREDENTIALS)).set('X-Broker-API-Version', '2.17')).status).toBe(200);
  });

  it('THEN no token was ever written to the logs', async () => {
    const bound = await bind('b-logs');
    await introspectForm(bound.body.credentials.token);
    const text = JSON.stringify(h.logs);
    expect(text).not.toContain('ovsb_');
    expect(h.logs.some((line) => line['path'] === '/introspect')).toBe(true);
  });

  it('WHEN the instance is deprovisioned THEN its remaining tokens are inactive at once', async () => {
    const bound = await bind('b-deprovision');
    const token = bound.body.credentials.token as string;
    expect((await introspectForm(token)).body.active).toBe(true);
    const plan = sandboxPlan(h.catalog);
    const deleted = await osb(h.app).delete(`${instancePath}?accepts_incomplete=true`).query({ service_id: plan.serviceId, plan_id: plan.id });
    expect(deleted.status).toBe(202);
    expect((await introspectForm(token)).body).toEqual({ active: false });
    await h.settle();
  });
});

describe('introspection credentials in the configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-introspect-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN none set THEN user "introspect" and a password generated once, kept 0600 apart from the broker\'s, and reused', () => {
    const config = loadConfig({ OVSB_DATA_DIR: dir }, '/');
    const first = resolveIntrospectionCredentials(config);
    expect(first).toMatchObject({ username: 'introspect', generated: true, passwordFile: join(dir, INTROSPECT_PASSWORD_FILE) });
    expect(first.password.length).toBeGreaterThanOrEqual(20);
    expect(statSync(join(dir, INTROSPECT_PASSWORD_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, INTROSPECT_PASSWORD_FILE), 'utf8').trim()).toBe(first.password);
    expect(resolveIntrospectionCredentials(config)).toMatchObject({ password: first.password, generated: false });
    const broker = resolveBrokerCredentials(config);
    expect(broker.passwordFile).toBe(join(dir, PASSWORD_FILE));
    expect(broker.password).not.toBe(first.password);
  });

  it('GIVEN OVSB_INTROSPECT_USERNAME / OVSB_INTROSPECT_PASSWORD THEN they are used as given', () => {
    const config = loadConfig({ OVSB_DATA_DIR: dir, OVSB_INTROSPECT_USERNAME: 'gw', OVSB_INTROSPECT_PASSWORD: 'a-long-gateway-secret' }, '/');
    expect(resolveIntrospectionCredentials(config)).toEqual({ username: 'gw', password: 'a-long-gateway-secret', generated: false });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ OVSB_INTROSPECT_PASSWORD: 'short' }, /^OVSB_INTROSPECT_PASSWORD: is 5 characters; use at least 12/],
    [{ OVSB_INTROSPECT_USERNAME: 'gw:1' }, /^OVSB_INTROSPECT_USERNAME: contains ":"/],
    [{ OVSB_PASSWORD: 'the-same-secret-1', OVSB_INTROSPECT_PASSWORD: 'the-same-secret-1' }, /^OVSB_INTROSPECT_PASSWORD: equals OVSB_PASSWORD, so a gateway holding it could provision and deprovision/],
  ])('GIVEN %j THEN the setting is refused, naming it', (env, message) => {
    expect(() => loadConfig({ OVSB_DATA_DIR: dir, ...env }, '/')).toThrow(message);
  });
});
