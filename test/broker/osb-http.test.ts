/**
 * Every OSB v2.17 status code the broker answers, table-driven, against both storages (SQLite in a temp
 * dir, a throwaway PostgreSQL). Accepted operations are held (persisted `in progress`) until a test runs
 * them with the real worker and terraform on a sandbox plan.
 */
import { scopeContextOf } from '../../src/service/binding-scopes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/catalog/model';
import type { ProvisionPolicy } from '../../src/service/policy';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { API_VERSION, CREDENTIALS, createHarness, executionVolume, osb, originatingIdentity, otherPlanOf, sandboxPlan, type Engine, type Harness } from './harness';
import request from 'supertest';

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];
/** `{"a":{"a":...1}}`, `depth` levels. */
const nested = (depth: number): Record<string, unknown> => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value as Record<string, unknown>;
};
const FEE_RECIPIENT = '0x388C818CA8B9251b393131C08a736A67ccB19297';
/** An update that changes no data volume. */
const CHECKPOINT = 'https://checkpoint.example.org';

describe.each(ENGINES)('OSB HTTP on %s', (engine) => {
  let h: Harness;
  let plan: NodePlan;
  let n = 0;
  /** A fresh instance id per use. */
  const newId = (prefix = 'inst') => `${prefix}-${engine}-${++n}-${Date.now().toString(36)}`;

  const provisionBody = (extra: Record<string, unknown> = {}) => ({
    service_id: plan.serviceId,
    plan_id: plan.id,
    organization_guid: 'org-1',
    space_guid: 'space-1',
    context: { platform: 'kubernetes', namespace: 'team-a' },
    parameters: {},
    ...extra,
  });
  const put = (id: string, body: object = provisionBody()) => osb(h.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).send(body);
  const lastOperation = (id: string) => osb(h.app).get(`/v2/service_instances/${id}/last_operation`);
  const deleteInstance = (id: string) =>
    osb(h.app).delete(`/v2/service_instances/${id}?accepts_incomplete=true&service_id=${plan.serviceId}&plan_id=${plan.id}`);

  /** GIVEN a provisioned instance (real terraform apply on the sandbox plan). */
  async function provisioned(id = newId()): Promise<string> {
    expect((await put(id)).status).toBe(202);
    await h.runQueued();
    expect((await lastOperation(id)).body.state).toBe('succeeded');
    return id;
  }

  // One broker per engine: every test uses fresh instance ids, so they do not interfere.
  beforeAll(async () => {
    h = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true });
    plan = sandboxPlan(h.catalog);
  });
  afterAll(async () => {
    await h.close();
  });

  describe('authentication, API version and the order of checks', () => {
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

    it.each([
      ['no Authorization header', undefined],
      ['a wrong password', basic(CREDENTIALS.username, 'wrong')],
      ['a wrong user', basic('someone', CREDENTIALS.password)],
      ['another scheme', 'Bearer abc'],
      ['garbage', 'Basic !!!'],
    ])('answers 401 with an OSB body for %s', async (_case, authorization) => {
      const test = request(h.app).get('/v2/catalog').set('X-Broker-API-Version', API_VERSION);
      if (authorization !== undefined) test.set('Authorization', authorization);
      const res = await test;
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
      expect(res.body.error).toBe('Unauthorized');
      expect(res.body.description).toEqual(expect.any(String));
    });

    it.each([
      ['missing', undefined, 412],
      ['major 1', '1.14', 412],
      ['minor below 2.13', '2.12', 412],
      ['not a version', 'two', 412],
      ['2.13', '2.13', 200],
      ['2.17', '2.17', 200],
      ['a later 2.x', '2.99', 200],
    ])('X-Broker-API-Version %s -> %i', async (_case, version, status) => {
      const test = osb(h.app).get('/v2/catalog');
      if (version === undefined) test.unset('X-Broker-API-Version');
      else test.set('X-Broker-API-Version', version);
      const res = await test;
      expect(res.status).toBe(status);
      if (status === 412) expect(res.body).toMatchObject({ error: 'PreconditionFailed', description: expect.stringContaining('2.13') });
    });

    it.each([
      ['auth before version', () => request(h.app).put('/v2/service_instances/x').send({}), 401],
      ['version before AsyncRequired', () => osb(h.app).put('/v2/service_instances/x').unset('X-Broker-API-Version').send({}), 412],
      ['AsyncRequired before validation', () => osb(h.app).put('/v2/service_instances/a%2Fb').send('{not json'), 422],
      ['validation before existence', () => osb(h.app).patch('/v2/service_instances/never-provisioned?accepts_incomplete=true').send({}), 400],
      ['PATCH: an unknown service_id before existence', () => osb(h.app).patch('/v2/service_instances/zzz?accepts_incomplete=true').send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: 'nope' }), 400],
      ['PATCH: an unknown plan_id before existence', () => osb(h.app).patch('/v2/service_instances/zzz?accepts_incomplete=true').send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: 'nope' }), 400],
      [
        'PATCH: invalid parameters for the plan named before existence',
        () => osb(h.app).patch('/v2/service_instances/zzz?accepts_incomplete=true').send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, parameters: { colour: 'blue' } }),
        400,
      ],
      ['bind: no service_id before existence', () => osb(h.app).put('/v2/service_instances/zzz/service_bindings/b1').send({ plan_id: plan.id }), 400],
      ['bind: an unknown plan_id before existence', () => osb(h.app).put('/v2/service_instances/zzz/service_bindings/b1').send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: 'nope' }), 400],
      [
        'bind: invalid parameters before existence',
        () => osb(h.app).put('/v2/service_instances/zzz/service_bindings/b1').send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, parameters: { colour: 'blue' } }),
        400,
      ],
    ])('%s', async (_case, send, status) => {
      const res = await send();
      expect(res.status).toBe(status);
      if (status === 400) expect(res.body.error).toBe('BadRequest');
    });

    it('echoes X-Broker-API-Request-Identity, on refusals too', async () => {
      const ok = await osb(h.app).get('/v2/catalog').set('X-Broker-API-Request-Identity', 'req-123');
      expect(ok.headers['x-broker-api-request-identity']).toBe('req-123');
      const refused = await request(h.app).get('/v2/catalog').set('X-Broker-API-Request-Identity', 'req-456');
      expect(refused.status).toBe(401);
      expect(refused.headers['x-broker-api-request-identity']).toBe('req-456');
    });

    it.each([
      ['with spaces', 'trace 7f3a / step 2'],
      ['of 1024 characters', 'r'.repeat(1024)],
    ])('echoes the platform\'s request identity %s as sent, and records it with the operation', async (_case, identity) => {
      const res = await put(newId()).set('X-Broker-API-Request-Identity', identity);
      expect(res.status).toBe(202);
      expect(res.headers['x-broker-api-request-identity']).toBe(identity);
      expect((await h.storage.getOperation(res.body.operation))?.requestIdentity).toBe(identity);
    });

    it.each([
      ['over 1024 characters', 'r'.repeat(1025), 'limit is 1024'],
      ['outside printable ASCII', 'req-\u00e9t\u00e9', 'printable ASCII'],
    ])('does not echo a request identity %s (nor a made-up one) and logs why', async (_case, identity, reason) => {
      const res = await put(newId()).set('X-Broker-API-Request-Identity', identity);
      expect(res.status).toBe(202);
      expect(res.headers['x-broker-api-request-identity']).toBeUndefined();
      expect((await h.storage.getOperation(res.body.operation))?.requestIdentity).toBeUndefined();
      const warning = h.logs.find((line) => typeof line['msg'] === 'string' && line['msg'].includes('not echoed') && line['msg'].includes(reason));
      expect(warning).toMatchObject({ level: 40, sentLength: expect.any(Number), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    });
  });

  describe('malformed requests never get HTML or a stack trace', () => {
    it.each([
      ['malformed JSON', () => osb(h.app).put('/v2/service_instances/bad-json-1?accepts_incomplete=true').set('Content-Type', 'application/json').send('{"service_id": '), 400, 'BadRequest'],
      ['a JSON array body', () => osb(h.app).put('/v2/service_instances/bad-json-2?accepts_incomplete=true').send([1, 2]), 400, 'BadRequest'],
      ['an oversized body', () => put('big').send({ ...provisionBody(), parameters: { graffiti: 'x'.repeat(70 * 1024) } }), 413, 'PayloadTooLarge'],
      ['an unknown endpoint', () => osb(h.app).get('/v2/nothing-here'), 404, 'NotFound'],
      ['an unknown method on a known path', () => osb(h.app).patch('/v2/catalog'), 404, 'NotFound'],
      ['a broken percent-escape in the path', () => osb(h.app).get('/v2/service_instances/%E0%A4%A'), 400, 'BadRequest'],
    ])('%s -> %i %s', async (_case, send, status, code) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body.error).toBe(code);
      expect(res.text).not.toMatch(/<html|<pre>|\n\s+at /i);
    });
  });

  describe('GET /v2/catalog', () => {
    it('serves the catalog with every plan, ids stable across requests', async () => {
      const first = await osb(h.app).get('/v2/catalog');
      expect(first.status).toBe(200);
      expect(first.body.services.length).toBeGreaterThan(0);
      const ids = JSON.stringify(first.body.services.map((s: { id: string }) => s.id));
      expect(JSON.stringify((await osb(h.app).get('/v2/catalog')).body.services.map((s: { id: string }) => s.id))).toBe(ids);
    });

    it('carries an ETag; If-None-Match with it -> 304 without a body; another tag -> 200; gzip for clients that accept it', async () => {
      const first = await osb(h.app).get('/v2/catalog');
      const etag = first.headers['etag'];
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      const unchanged = await osb(h.app).get('/v2/catalog').set('If-None-Match', etag);
      expect(unchanged.status).toBe(304);
      expect(unchanged.text ?? '').toBe('');
      expect((await osb(h.app).get('/v2/catalog').set('If-None-Match', '"something-else"')).status).toBe(200);
      const zipped = await osb(h.app).get('/v2/catalog').set('Accept-Encoding', 'gzip');
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.body.services.length).toBe(first.body.services.length);
    });
  });

  describe('provision: PUT /v2/service_instances/:id', () => {
    it('202 with an operation persisted in progress before the answer; polling shows it; then succeeded', async () => {
      const id = newId();
      const res = await put(id);
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatch(/^op-/);
      const stored = await h.storage.getOperation(res.body.operation);
      expect(stored?.state).toBe('in progress');
      const polling = await lastOperation(id).query({ operation: res.body.operation });
      expect(polling.status).toBe(200);
      expect(polling.body).toEqual({ state: 'in progress', description: expect.stringMatching(/\S/) });
      expect(Number(polling.headers['retry-after'])).toBeGreaterThan(0);
      await h.runQueued();
      const done = await lastOperation(id);
      expect(done.body.state).toBe('succeeded');
      expect(done.headers['retry-after']).toBeUndefined();
    });

    it('a re-sent identical PUT while in progress -> 202 with the same operation', async () => {
      const id = newId();
      const first = await put(id);
      const again = await put(id);
      expect(again.status).toBe(202);
      expect(again.body.operation).toBe(first.body.operation);
    });

    it('an identical PUT after success -> 200', async () => {
      const id = await provisioned();
      const res = await put(id);
      expect(res.status).toBe(200);
      expect(res.body.operation).toBeUndefined();
    });

    it.each([
      ['other parameters', { parameters: { execution_storage_gi: 130 } }],
      ['another plan', 'other-plan'],
      ['another context', { context: { platform: 'kubernetes', namespace: 'team-b' } }],
    ])('same id with %s -> 409, in progress and after success', async (_case, change) => {
      const body = () => (change === 'other-plan' ? provisionBody({ plan_id: otherPlanOf(h.catalog, plan).id }) : provisionBody(change as Record<string, unknown>));
      const id = newId();
      await put(id);
      expect((await put(id, body())).status).toBe(409);
      await h.runQueued();
      const res = await put(id, body());
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('Conflict');
    });

    it.each([
      ['service_id missing', { service_id: undefined }, 'service_id'],
      ['plan_id missing', { plan_id: undefined }, 'plan_id'],
      ['service_id unknown', { service_id: 'no-such-service' }, 'service_id'],
      ['plan_id unknown', { plan_id: 'no-such-plan' }, 'plan_id'],
      ['parameters not an object', { parameters: 'graffiti' }, 'parameters'],
      ['context not an object', { context: [1] }, 'context'],
      ['organization_guid empty', { organization_guid: '' }, 'organization_guid'],
      ['organization_guid missing (v2.17: REQUIRED)', { organization_guid: undefined }, 'organization_guid'],
      ['space_guid missing (v2.17: REQUIRED)', { space_guid: undefined }, 'space_guid'],
      ['parameters nested 40 levels', { parameters: nested(40) }, 'parameters'],
      ['an unknown parameter', { parameters: { colour: 'blue' } }, 'colour'],
      ['an invalid parameter value', { parameters: { execution_storage_gi: -5 } }, 'execution_storage_gi'],
      ['maintenance_info without version', { maintenance_info: {} }, 'maintenance_info.version'],
    ])('%s -> 400 naming %s', async (_case, change, field) => {
      const res = await put(newId(), provisionBody(change));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('BadRequest');
      expect(res.body.description).toContain(field);
    });

    it('unknown top-level fields are ignored', async () => {
      expect((await put(newId(), provisionBody({ 'x-vendor-extension': { a: 1 } }))).status).toBe(202);
    });

    it('a validator plan refuses a fee recipient that is not a checksummed address, naming the field', async () => {
      const validator = sandboxPlan(h.catalog, 'validator');
      const res = await put(newId(), { organization_guid: 'org-1', space_guid: 'space-1', service_id: validator.serviceId, plan_id: validator.id, parameters: { fee_recipient: FEE_RECIPIENT.toLowerCase().replace('0x388c', '0x388C') } });
      expect(res.status).toBe(400);
      expect(res.body.description).toContain('fee_recipient');
    });

    it.each([
      ['an encoded slash', 'a%2Fb'],
      ['dot-dot', '..'],
      ['a single dot', '.'],
      ['a NUL byte', 'a%00b'],
      ['a space', 'a%20b'],
      ['over 255 characters', 'a'.repeat(256)],
    ])('an instance id with %s -> 400', async (_case, id) => {
      const res = await put(id);
      expect(res.status).toBe(400);
      expect(res.body.description).toContain('instance_id');
    });

    it('accepts ids of all unreserved characters up to 255 long', async () => {
      expect((await put(`Az09-._~${'x'.repeat(247)}`)).status).toBe(202);
    });

    it('without accepts_incomplete=true -> 422 AsyncRequired', async () => {
      const res = await osb(h.app).put(`/v2/service_instances/${newId()}`).send(provisionBody());
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('AsyncRequired');
      expect((await osb(h.app).put(`/v2/service_instances/${newId()}?accepts_incomplete=false`).send(provisionBody())).body.error).toBe('AsyncRequired');
    });

    it('maintenance_info.version: the plan\'s -> 202, another -> 422 MaintenanceInfoConflict', async () => {
      expect((await put(newId(), provisionBody({ maintenance_info: { version: plan.maintenanceInfo.version } }))).status).toBe(202);
      const res = await put(newId(), provisionBody({ maintenance_info: { version: '0.0.1-old' } }));
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('MaintenanceInfoConflict');
    });

    it('records the decoded originating identity with the operation, queryable on /audit', async () => {
      const id = newId();
      const res = await put(id).set('X-Broker-API-Originating-Identity', originatingIdentity('kubernetes', { username: 'alice', uid: 'u-1' })).set('X-Broker-API-Request-Identity', 'req-audit-1');
      expect(res.status).toBe(202);
      const audit = await request(h.app)
        .get('/audit')
        .query({ 'identity.username': 'alice', instance_id: id })
        .auth(CREDENTIALS.username, CREDENTIALS.password);
      expect(audit.status).toBe(200);
      expect(audit.body.operations).toEqual([
        expect.objectContaining({
          operation: res.body.operation,
          kind: 'provision',
          instance_id: id,
          state: 'in progress',
          originating_identity: { platform: 'kubernetes', value: { username: 'alice', uid: 'u-1' } },
          request_identity: 'req-audit-1',
        }),
      ]);
      expect(JSON.stringify(audit.body)).not.toContain('parameters');
      expect((await request(h.app).get('/audit')).status).toBe(401);
    });

    it.each([
      ['no base64 part', 'kubernetes'],
      ['not base64', 'kubernetes ***'],
      ['not JSON', `kubernetes ${Buffer.from('nope').toString('base64')}`],
      ['a JSON array', `kubernetes ${Buffer.from('[1]').toString('base64')}`],
    ])('a malformed originating identity (%s) -> 400', async (_case, header) => {
      const res = await put(newId()).set('X-Broker-API-Originating-Identity', header);
      expect(res.status).toBe(400);
      expect(res.body.description).toContain('X-Broker-API-Originating-Identity');
    });

    it('a refusing provision policy -> 422 with its code; nothing is persisted', async () => {
      const refuse: ProvisionPolicy = {
        name: 'client-diversity',
        evaluate: async (req) => (req.kind === 'provision' ? { verdict: 'refuse', code: 'DiversityPolicy', message: 'geth is above 66%' } : { verdict: 'allow' }),
      };
      const guarded = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true, policies: [refuse] });
      try {
        const id = newId();
        const res = await osb(guarded.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).send(provisionBody());
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({ error: 'DiversityPolicy', description: expect.stringContaining('client-diversity') });
        expect(await guarded.storage.getInstance(id)).toBeUndefined();
      } finally {
        await guarded.close();
      }
    });

    it('a warning provision policy accepts and records the warning with the operation', async () => {
      const warn: ProvisionPolicy = { name: 'client-diversity', evaluate: async () => ({ verdict: 'warn', message: 'lighthouse is above 33%' }) };
      const guarded = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true, policies: [warn] });
      try {
        const id = newId();
        const res = await osb(guarded.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).send(provisionBody());
        expect(res.status).toBe(202);
        expect((await guarded.storage.getOperation(res.body.operation))?.description).toContain('lighthouse is above 33%');
        expect(guarded.logs).toContainEqual(
          expect.objectContaining({ level: 40, instanceId: id, operationId: res.body.operation, policy: 'client-diversity', msg: expect.stringContaining('lighthouse is above 33%') }),
        );
        // The worker's progress and outcome do not wipe it out: the final description keeps it.
        await guarded.runQueued();
        const done = await osb(guarded.app).get(`/v2/service_instances/${id}/last_operation`);
        expect(done.body).toEqual({ state: 'succeeded', description: 'Provisioned. Policy warnings: client-diversity: lighthouse is above 33%' });
      } finally {
        await guarded.close();
      }
    });
  });

  describe('fetch: GET /v2/service_instances/:id', () => {
    it('unknown -> 404; while provisioning -> 404; provisioned -> 200 with service, plan, parameters, maintenance_info', async () => {
      expect((await osb(h.app).get(`/v2/service_instances/${newId()}`)).status).toBe(404);
      const id = newId();
      await put(id, provisionBody({ parameters: { execution_storage_gi: 150 } }));
      const during = await osb(h.app).get(`/v2/service_instances/${id}`);
      expect(during.status).toBe(404);
      await h.runQueued();
      const res = await osb(h.app).get(`/v2/service_instances/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        service_id: plan.serviceId,
        plan_id: plan.id,
        parameters: { execution_storage_gi: 150 },
        maintenance_info: { version: plan.maintenanceInfo.version, description: plan.maintenanceInfo.description },
        // The plan's releases follow hoodi's scheduled Glamsterdam (harness sandboxPlan), so the instance does too.
        metadata: { labels: { fork: 'Glamsterdam (Amsterdam/Gloas) on hoodi', fork_time: '2026-12-15T19:12:24Z', fork_readiness: 'ready' } },
      });
    });

    it('never returns writeOnly parameters: a validator instance\'s validator_keys reference is kept but not shown', async () => {
      const validator = sandboxPlan(h.catalog, 'validator');
      const id = newId();
      const parameters = { fee_recipient: FEE_RECIPIENT, validator_keys: { kubernetes_secret: 'validator-keys' } };
      expect((await put(id, provisionBody({ service_id: validator.serviceId, plan_id: validator.id, parameters }))).status).toBe(202);
      await h.runQueued();
      const res = await osb(h.app).get(`/v2/service_instances/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.parameters).toEqual({ fee_recipient: FEE_RECIPIENT });
      expect((await h.storage.getInstance(id))?.parameters).toEqual(parameters);
    });

    it('while an update runs -> 422 ConcurrencyError', async () => {
      const id = await provisioned();
      expect((await osb(h.app).patch(`/v2/service_instances/${id}?accepts_incomplete=true`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, parameters: { execution_storage_gi: 200 } })).status).toBe(202);
      const res = await osb(h.app).get(`/v2/service_instances/${id}`);
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('ConcurrencyError');
    });

    it('an empty service_id hint -> 400', async () => {
      const id = await provisioned();
      expect((await osb(h.app).get(`/v2/service_instances/${id}?service_id=`)).status).toBe(400);
    });

    it('service_id / plan_id query values are checked when present: the instance\'s -> 200, others -> 400 naming them', async () => {
      const id = await provisioned();
      expect((await osb(h.app).get(`/v2/service_instances/${id}?service_id=${plan.serviceId}&plan_id=${plan.id}`)).status).toBe(200);
      const wrongService = await osb(h.app).get(`/v2/service_instances/${id}?service_id=someone-else`);
      expect(wrongService.status).toBe(400);
      expect(wrongService.body.description).toContain('service_id "someone-else"');
      const wrongPlan = await osb(h.app).get(`/v2/service_instances/${id}?plan_id=another-plan`);
      expect(wrongPlan.status).toBe(400);
      expect(wrongPlan.body.description).toContain('plan_id "another-plan"');
    });
  });

  describe('update: PATCH /v2/service_instances/:id', () => {
    const patch = (id: string, body: object) => osb(h.app).patch(`/v2/service_instances/${id}?accepts_incomplete=true`).send(body);

    it('202 -> succeeded; the new parameters take effect, merged over the old', async () => {
      const id = newId();
      await put(id, provisionBody({ parameters: { consensus_storage_gi: 60 } }));
      await h.runQueued();
      const res = await patch(id, { service_id: plan.serviceId, parameters: { checkpoint_sync_url: CHECKPOINT } });
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatch(/^op-/);
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
      expect((await osb(h.app).get(`/v2/service_instances/${id}`)).body.parameters).toEqual({ consensus_storage_gi: 60, checkpoint_sync_url: CHECKPOINT });
    });

    it('a re-sent identical PATCH while in progress -> 202 same operation; a different one -> 422 ConcurrencyError', async () => {
      const id = await provisioned();
      const body = { service_id: plan.serviceId, parameters: { execution_storage_gi: 190 } };
      const first = await patch(id, body);
      const again = await patch(id, body);
      expect(again.status).toBe(202);
      expect(again.body.operation).toBe(first.body.operation);
      const other = await patch(id, { service_id: plan.serviceId, parameters: { execution_storage_gi: 195 } });
      expect(other.status).toBe(422);
      expect(other.body.error).toBe('ConcurrencyError');
    });

    it('a change of nothing -> 200 {} synchronously', async () => {
      const id = await provisioned();
      const res = await patch(id, { service_id: plan.serviceId, parameters: {} });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
    });

    it.each([
      ['service_id missing', { service_id: undefined, parameters: {} }, 400, 'BadRequest'],
      ['service_id of another service', { service_id: 'someone-else' }, 400, 'BadRequest'],
      ['an unknown plan', { plan_id: 'no-such-plan' }, 400, 'BadRequest'],
      ['an invalid parameter', { parameters: { execution_storage_gi: 'big' } }, 400, 'BadRequest'],
      ['allow_data_volume_replacement not a boolean', { parameters: { allow_data_volume_replacement: 'yes' } }, 400, 'BadRequest'],
      ['another maintenance_info.version', { maintenance_info: { version: '0.0.1-old' } }, 422, 'MaintenanceInfoConflict'],
    ])('%s -> %i %s', async (_case, change, status, code) => {
      const id = await provisioned();
      const res = await patch(id, { service_id: plan.serviceId, ...change });
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(code);
    });

    it('an unknown instance -> 404; without accepts_incomplete -> 422 AsyncRequired', async () => {
      expect((await patch(newId(), { service_id: plan.serviceId })).status).toBe(404);
      const res = await osb(h.app).patch(`/v2/service_instances/${newId()}`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId });
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('AsyncRequired');
    });

    it('while provisioning -> 422 ConcurrencyError', async () => {
      const id = newId();
      await put(id);
      const res = await patch(id, { service_id: plan.serviceId, parameters: { execution_storage_gi: 140 } });
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('ConcurrencyError');
    });

    it('a plan change to another plan of the service -> 202 -> succeeded, the plan takes effect', async () => {
      const id = await provisioned();
      const other = otherPlanOf(h.catalog, plan);
      // Another network: its volumes are new ones, which the caller accepts.
      const res = await patch(id, { service_id: plan.serviceId, plan_id: other.id, previous_values: { plan_id: plan.id }, parameters: { allow_data_volume_replacement: true } });
      expect(res.status).toBe(202);
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
      expect((await osb(h.app).get(`/v2/service_instances/${id}`)).body.plan_id).toBe(other.id);
    });
  });

  describe('an update that would replace a data volume', () => {
    let guarded: Harness;
    beforeAll(async () => {
      guarded = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true, dataVolumePredicate: executionVolume });
    });
    afterAll(async () => {
      await guarded.close();
    });

    it('fails (instance_usable true, update_repeatable false) unless allow_data_volume_replacement is true', async () => {
      const id = newId('volume');
      const path = `/v2/service_instances/${id}`;
      expect((await osb(guarded.app).put(`${path}?accepts_incomplete=true`).send(provisionBody())).status).toBe(202);
      await guarded.runQueued();

      const refused = await osb(guarded.app).patch(`${path}?accepts_incomplete=true`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, parameters: { execution_storage_gi: 250 } });
      expect(refused.status).toBe(202);
      await guarded.runQueued();
      const failed = await osb(guarded.app).get(`${path}/last_operation`);
      expect(failed.body).toEqual({
        state: 'failed',
        description: expect.stringContaining('allow_data_volume_replacement'),
        instance_usable: true,
        update_repeatable: false,
      });
      const unchanged = await osb(guarded.app).get(path);
      expect(unchanged.status).toBe(200);
      expect(unchanged.body.parameters).toEqual({});

      const allowed = await osb(guarded.app)
        .patch(`${path}?accepts_incomplete=true`)
        .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, parameters: { execution_storage_gi: 250, allow_data_volume_replacement: true } });
      expect(allowed.status).toBe(202);
      await guarded.runQueued();
      expect((await osb(guarded.app).get(`${path}/last_operation`)).body.state).toBe('succeeded');
      // The consent was for that update only: it is not kept with the instance.
      expect((await osb(guarded.app).get(path)).body.parameters).toEqual({ execution_storage_gi: 250 });
    });
  });

  describe('deprovision: DELETE /v2/service_instances/:id', () => {
    it('202 -> succeeded (the tombstone answers last_operation) -> a later DELETE is 410', async () => {
      const id = await provisioned();
      const res = await deleteInstance(id);
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatch(/^op-/);
      const again = await deleteInstance(id);
      expect(again.status).toBe(202);
      expect(again.body.operation).toBe(res.body.operation);
      await h.runQueued();
      const polled = await lastOperation(id).query({ operation: res.body.operation });
      expect(polled.status).toBe(200);
      expect(polled.body.state).toBe('succeeded');
      expect((await deleteInstance(id)).status).toBe(410);
      expect((await osb(h.app).get(`/v2/service_instances/${id}`)).status).toBe(404);
    });

    it.each([
      ['an unknown instance', async () => newId(), 410, 'Gone'],
      ['an instance being provisioned', async () => { const id = newId(); await put(id); return id; }, 422, 'ConcurrencyError'],
    ])('%s -> %i %s', async (_case, given, status, code) => {
      const res = await deleteInstance(await given());
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(code);
    });

    it.each([
      ['service_id missing', (id: string) => `/v2/service_instances/${id}?accepts_incomplete=true&plan_id=p`],
      ['plan_id missing', (id: string) => `/v2/service_instances/${id}?accepts_incomplete=true&service_id=s`],
      ['service_id repeated', (id: string) => `/v2/service_instances/${id}?accepts_incomplete=true&service_id=s&service_id=t&plan_id=p`],
    ])('%s -> 400', async (_case, path) => {
      const id = await provisioned();
      expect((await osb(h.app).delete(path(id))).status).toBe(400);
    });

    it('without accepts_incomplete -> 422 AsyncRequired', async () => {
      const res = await osb(h.app).delete(`/v2/service_instances/${newId()}?service_id=s&plan_id=p`);
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('AsyncRequired');
    });
  });

  describe('last_operation for instances', () => {
    it('an unknown instance -> 404; the operation query is a hint, never a reason for 400', async () => {
      expect((await lastOperation(newId())).status).toBe(404);
      const id = await provisioned();
      for (const hint of ['op-unknown', '', 'not an id at all']) {
        const res = await lastOperation(id).query({ operation: hint });
        expect(res.status).toBe(200);
        expect(res.body.state).toBe('succeeded');
      }
    });
  });

  describe('bindings', () => {
    const bindPath = (id: string, bindingId: string) => `/v2/service_instances/${id}/service_bindings/${bindingId}`;
    const bindBody = (extra: Record<string, unknown> = {}) => ({
      service_id: plan.serviceId,
      plan_id: plan.id,
      bind_resource: { app_guid: 'app-1' },
      ...extra,
    });

    it('bind -> 201 with credentials from the outputs plus a token and endpoints[]; identical again -> 200 same credentials', async () => {
      const id = await provisioned();
      const res = await osb(h.app).put(bindPath(id, 'b1')).send(bindBody());
      expect(res.status).toBe(201);
      expect(res.body.credentials.token).toMatch(/^ovsb_/);
      expect(res.body.credentials.execution_http_url).toMatch(/^http:\/\//);
      expect(res.body.credentials.jwt_secret).toBeUndefined();
      expect(res.body.endpoints.length).toBeGreaterThan(0);
      for (const endpoint of res.body.endpoints) {
        expect(endpoint).toEqual({ host: expect.stringMatching(/\.sandbox\.invalid$/), ports: expect.arrayContaining([expect.stringMatching(/^\d+$/)]), protocol: 'tcp' });
      }
      const again = await osb(h.app).put(bindPath(id, 'b1')).send(bindBody());
      expect(again.status).toBe(200);
      expect(again.body.credentials).toEqual(res.body.credentials);
    });

    it('accepts_incomplete=true is allowed: the binding is still created synchronously (201)', async () => {
      const id = await provisioned();
      expect((await osb(h.app).put(`${bindPath(id, 'b1')}?accepts_incomplete=true`).send(bindBody())).status).toBe(201);
      const polled = await osb(h.app).get(`${bindPath(id, 'b1')}/last_operation`);
      expect(polled.body).toEqual({ state: 'succeeded', description: expect.any(String) });
    });

    it.each([
      ['different parameters', (id: string) => ({ parameters: { scopes: [`pool:validator.${scopeContextOf(id)}:read.*`] } }), 409, 'Conflict'],
      ['a different bind_resource', () => ({ bind_resource: { app_guid: 'app-2' } }), 409, 'Conflict'],
    ])('same binding id with %s -> %i', async (_case, change, status, code) => {
      const id = await provisioned();
      await osb(h.app).put(bindPath(id, 'b1')).send(bindBody());
      const res = await osb(h.app).put(bindPath(id, 'b1')).send(bindBody(change(id)));
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(code);
    });

    it.each([
      ['service_id missing', { service_id: undefined }, 'service_id'],
      ['plan_id of another plan', { plan_id: 'other-plan' }, 'plan_id'],
      ['an unknown parameter', { parameters: { colour: 'blue' } }, 'colour'],
      ['a predecessor that is no binding of the instance', { predecessor_binding_id: 'b0' }, 'predecessor_binding_id'],
    ])('%s -> 400 naming %s', async (_case, change, field) => {
      const id = await provisioned();
      const res = await osb(h.app).put(bindPath(id, 'b1')).send(bindBody(change));
      expect(res.status).toBe(400);
      expect(res.body.description).toContain(field);
    });

    it('to an unknown instance -> 404; to an instance being provisioned -> 422 ConcurrencyError', async () => {
      expect((await osb(h.app).put(bindPath(newId(), 'b1')).send(bindBody())).status).toBe(404);
      const id = newId();
      await put(id);
      const res = await osb(h.app).put(bindPath(id, 'b1')).send(bindBody());
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('ConcurrencyError');
    });

    it('a binding id outside unreserved characters -> 400', async () => {
      const id = await provisioned();
      expect((await osb(h.app).put(bindPath(id, 'b%2F1')).send(bindBody())).status).toBe(400);
    });

    it('fetch: service_id / plan_id query values other than the binding\'s -> 400', async () => {
      const id = await provisioned();
      expect((await osb(h.app).put(bindPath(id, 'b1')).send(bindBody())).status).toBe(201);
      expect((await osb(h.app).get(`${bindPath(id, 'b1')}?service_id=${plan.serviceId}&plan_id=${plan.id}`)).status).toBe(200);
      expect((await osb(h.app).get(`${bindPath(id, 'b1')}?service_id=other`)).status).toBe(400);
      expect((await osb(h.app).get(`${bindPath(id, 'b1')}?plan_id=other`)).status).toBe(400);
    });

    it('fetch: unknown -> 404; bound -> 200 with credentials, endpoints and parameters', async () => {
      const id = await provisioned();
      expect((await osb(h.app).get(bindPath(id, 'nope'))).status).toBe(404);
      const scopes = [`pool:validator.${scopeContextOf(id)}:read.basic`];
      const bound = await osb(h.app).put(bindPath(id, 'b1')).send(bindBody({ parameters: { scopes } }));
      const res = await osb(h.app).get(bindPath(id, 'b1'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ credentials: bound.body.credentials, endpoints: bound.body.endpoints, parameters: { scopes } });
    });

    it('unbind -> 200 {}; again -> 410; fetch -> 404; last_operation -> succeeded', async () => {
      const id = await provisioned();
      await osb(h.app).put(bindPath(id, 'b1')).send(bindBody());
      const unbind = () => osb(h.app).delete(`${bindPath(id, 'b1')}?service_id=${plan.serviceId}&plan_id=${plan.id}`);
      const res = await unbind();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
      expect((await unbind()).status).toBe(410);
      expect((await osb(h.app).get(bindPath(id, 'b1'))).status).toBe(404);
      expect((await osb(h.app).get(`${bindPath(id, 'b1')}/last_operation`)).body.state).toBe('succeeded');
    });

    it('unbind without service_id or plan_id -> 400; of an unknown binding -> 410', async () => {
      const id = await provisioned();
      expect((await osb(h.app).delete(`${bindPath(id, 'b1')}?plan_id=${plan.id}`)).status).toBe(400);
      expect((await osb(h.app).delete(`${bindPath(id, 'b1')}?service_id=${plan.serviceId}`)).status).toBe(400);
      const gone = await osb(h.app).delete(`${bindPath(id, 'never')}?service_id=${plan.serviceId}&plan_id=${plan.id}`);
      expect(gone.status).toBe(410);
      expect(gone.body.error).toBe('Gone');
    });

    it('binding last_operation of an unknown binding -> 404', async () => {
      const id = await provisioned();
      expect((await osb(h.app).get(`${bindPath(id, 'nope')}/last_operation`)).status).toBe(404);
    });

    it('deprovisioning revokes the bindings: fetch answers 404 after it', async () => {
      const id = await provisioned();
      await osb(h.app).put(bindPath(id, 'b1')).send(bindBody());
      await deleteInstance(id);
      await h.runQueued();
      expect((await osb(h.app).get(bindPath(id, 'b1'))).status).toBe(404);
    });
  });

  describe('operations endpoints', () => {
    it('/live answers without credentials; /ready checks storage and terraform', async () => {
      expect((await request(h.app).get('/live')).status).toBe(200);
      const ready = await request(h.app).get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready', checks: { storage: 'ok', terraform: 'ok' } });
    });

    it('GIVEN the database is gone THEN /ready is 503 and OSB calls get a 503 OSB body naming no internals', async () => {
      const broken = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true });
      try {
        await broken.storage.close();
        const ready = await request(broken.app).get('/ready');
        expect(ready.status).toBe(503);
        expect(ready.body.checks.storage).toBe('failing');
        const res = await osb(broken.app).get(`/v2/service_instances/${newId()}/last_operation`);
        expect(res.status).toBe(503);
        expect(res.body.error).toBe('ServiceUnavailable');
        expect(res.text).not.toMatch(/\n\s+at /);
      } finally {
        await broken.close();
      }
    });
  });
});
