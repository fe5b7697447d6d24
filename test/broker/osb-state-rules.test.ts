/**
 * The OSB state rules around failures and identity, over HTTP against both storages: what a failed
 * provision, update or deprovision leaves behind (and what the platform can do next), plan changes judged
 * before 202, maintenance_info on existing instances, DELETE query ids, and the originating identity's
 * platform. Failures are real: the instance's terraform state file is made unreadable, so terraform
 * itself fails on it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/catalog/model';
import { DEFAULT_LOCAL_STATE, Workspaces } from '../../src/terraform/workspace';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { createHarness, executionVolume, osb, originatingIdentity, otherPlanOf, sandboxPlan, type Engine, type Harness } from './harness';

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];
const FEE_RECIPIENT = '0x388C818CA8B9251b393131C08a736A67ccB19297';
/** An update that changes no data volume. */
const CHECKPOINT = 'https://checkpoint.example.org';
/** rpc-sandbox-hoodi -> rpc-sandbox-mainnet: another network's volumes, which the caller accepts. */
const NEW_VOLUMES = { allow_data_volume_replacement: true };

/**
 * Makes the instance's local terraform state unreadable (as a crash mid-write would); terraform then
 * fails on every command in that workspace. Returns what puts the previous state back.
 */
async function breakTerraformState(harness: Harness, instanceId: string): Promise<() => Promise<void>> {
  const ws = new Workspaces(harness.dataDir).for(instanceId);
  await mkdir(ws.dir, { recursive: true, mode: 0o700 });
  const file = join(ws.dir, DEFAULT_LOCAL_STATE);
  const saved = existsSync(file) ? await readFile(file) : undefined;
  await writeFile(file, '{"version": 4, "terraform_version": "1.11.4", "resour', { mode: 0o600 });
  return async () => {
    if (saved === undefined) await rm(file, { force: true });
    else await writeFile(file, saved, { mode: 0o600 });
  };
}

describe.each(ENGINES)('OSB state rules on %s', (engine) => {
  let h: Harness;
  let plan: NodePlan;
  let n = 0;
  const newId = (prefix = 'rule') => `${prefix}-${engine}-${++n}-${Date.now().toString(36)}`;

  const provisionBody = (extra: Record<string, unknown> = {}) => ({
    service_id: plan.serviceId,
    plan_id: plan.id,
    organization_guid: 'org-1',
    space_guid: 'space-1',
    context: { platform: 'kubernetes', namespace: 'team-a' },
    parameters: {},
    ...extra,
  });
  const instancePath = (id: string) => `/v2/service_instances/${id}`;
  const put = (id: string, body: object = provisionBody()) => osb(h.app).put(`${instancePath(id)}?accepts_incomplete=true`).send(body);
  const patch = (id: string, body: object) => osb(h.app).patch(`${instancePath(id)}?accepts_incomplete=true`).send(body);
  const remove = (id: string, serviceId = plan.serviceId, planId = plan.id) =>
    osb(h.app).delete(`${instancePath(id)}?accepts_incomplete=true&service_id=${serviceId}&plan_id=${planId}`);
  const lastOperation = (id: string) => osb(h.app).get(`${instancePath(id)}/last_operation`);
  const bind = (id: string, bindingId: string, extra: Record<string, unknown> = {}) =>
    osb(h.app).put(`${instancePath(id)}/service_bindings/${bindingId}`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, ...extra });

  async function provisioned(id = newId()): Promise<string> {
    expect((await put(id)).status).toBe(202);
    await h.runQueued();
    expect((await lastOperation(id)).body.state).toBe('succeeded');
    return id;
  }

  /** GIVEN an instance whose provision failed (terraform could not read its state). */
  async function failedProvision(id = newId()): Promise<{ id: string; repair: () => Promise<void>; operation: string }> {
    const repair = await breakTerraformState(h, id);
    const res = await put(id);
    expect(res.status).toBe(202);
    await h.runQueued();
    const polled = await lastOperation(id);
    expect(polled.body).toEqual({ state: 'failed', description: expect.stringContaining('Provisioning failed') });
    return { id, repair, operation: res.body.operation as string };
  }

  beforeAll(async () => {
    h = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true });
    plan = sandboxPlan(h.catalog);
  });
  afterAll(async () => {
    await h.close();
  });

  describe('GIVEN a provision that failed', () => {
    it('WHEN the platform updates it THEN 422 telling it to retry the provision or deprovision; the instance stays unfetchable and unbindable', async () => {
      const { id } = await failedProvision();
      const res = await patch(id, { service_id: plan.serviceId, parameters: { execution_storage_gi: 140 } });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        error: 'UnprocessableEntity',
        description: expect.stringMatching(/failed to provision.*retry the provision \(PUT.*deprovision it \(DELETE\)/),
        instance_usable: false,
        update_repeatable: false,
      });
      // Nothing became usable on the way.
      expect((await osb(h.app).get(instancePath(id))).status).toBe(404);
      const bound = await bind(id, 'b1');
      expect(bound.status).toBe(422);
      expect(bound.body.description).toContain('retry the provision');
      expect((await lastOperation(id)).body.state).toBe('failed');
    });

    it('WHEN the platform re-sends the identical PUT THEN 202 with a new provision attempt, which can succeed', async () => {
      const { id, repair, operation } = await failedProvision();
      await repair();
      const retry = await put(id);
      expect(retry.status).toBe(202);
      expect(retry.body.operation).toMatch(/^op-/);
      expect(retry.body.operation).not.toBe(operation);
      // Re-sent while the attempt runs: the same attempt.
      expect((await put(id)).body.operation).toBe(retry.body.operation);
      expect((await osb(h.app).get(instancePath(id))).status).toBe(404);
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
      expect((await osb(h.app).get(instancePath(id))).status).toBe(200);
      expect((await bind(id, 'b1')).status).toBe(201);
    });

    it('WHEN the PUT carries different attributes THEN 409, and no new attempt starts', async () => {
      const { id } = await failedProvision();
      const res = await put(id, provisionBody({ parameters: { execution_storage_gi: 130 } }));
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('Conflict');
      expect((await lastOperation(id)).body.state).toBe('failed');
    });

    it('WHEN the platform deprovisions it THEN 202 -> succeeded', async () => {
      const { id, repair } = await failedProvision();
      await repair();
      expect((await remove(id)).status).toBe(202);
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
      expect((await remove(id)).status).toBe(410);
    });
  });

  describe('GIVEN an update that failed in terraform (instance unusable)', () => {
    let guarded: Harness;
    beforeAll(async () => {
      guarded = await createHarness({ engine, ...(postgres !== undefined && { postgres }), hold: true, dataVolumePredicate: executionVolume });
    });
    afterAll(async () => {
      await guarded.close();
    });

    it('WHEN a repair update is refused before it applies anything THEN the instance stays failed and last_operation says it is not usable; an accepted repair makes it usable', async () => {
      const id = newId('repair');
      const path = instancePath(id);
      const send = (body: object) => osb(guarded.app).patch(`${path}?accepts_incomplete=true`).send(body);
      expect((await osb(guarded.app).put(`${path}?accepts_incomplete=true`).send(provisionBody())).status).toBe(202);
      await guarded.runQueued();

      const restore = await breakTerraformState(guarded, id);
      expect((await send({ service_id: plan.serviceId, parameters: { consensus_storage_gi: 90 } })).status).toBe(202);
      await guarded.runQueued();
      expect((await osb(guarded.app).get(`${path}/last_operation`)).body).toMatchObject({ state: 'failed', instance_usable: false, update_repeatable: true });
      await restore();

      // Growing the execution volume counts as replacing it here: refused by the worker, nothing applied.
      expect((await send({ service_id: plan.serviceId, parameters: { execution_storage_gi: 250 } })).status).toBe(202);
      await guarded.runQueued();
      const refused = await osb(guarded.app).get(`${path}/last_operation`);
      expect(refused.body).toEqual({
        state: 'failed',
        description: expect.stringContaining('allow_data_volume_replacement'),
        instance_usable: false,
        update_repeatable: false,
      });
      expect((await osb(guarded.app).put(`${path}/service_bindings/b1`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id })).status).toBe(422);

      expect((await send({ service_id: plan.serviceId, parameters: { execution_storage_gi: 250, allow_data_volume_replacement: true } })).status).toBe(202);
      await guarded.runQueued();
      expect((await osb(guarded.app).get(`${path}/last_operation`)).body.state).toBe('succeeded');
      expect((await osb(guarded.app).put(`${path}/service_bindings/b1`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id })).status).toBe(201);
    });
  });

  describe('GIVEN a deprovision that failed in terraform', () => {
    it('THEN last_operation reports instance_usable false, binds are refused, and a later DELETE can succeed', async () => {
      const id = await provisioned();
      const restore = await breakTerraformState(h, id);
      expect((await remove(id)).status).toBe(202);
      await h.runQueued();
      const failed = await lastOperation(id);
      expect(failed.body).toEqual({ state: 'failed', description: expect.stringContaining('Deprovisioning failed'), instance_usable: false });
      expect(failed.body.update_repeatable).toBeUndefined();
      const bound = await bind(id, 'b1');
      expect(bound.status).toBe(422);
      expect(bound.body.description).toContain('not usable');
      // It was provisioned once: an identical PUT is not a retry of the provision.
      expect((await put(id)).status).toBe(200);

      await restore();
      expect((await remove(id)).status).toBe(202);
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
    });
  });

  describe('plan changes are judged before 202', () => {
    const validatorPlanOf = (rpc: NodePlan): NodePlan => {
      const found = h.catalog.plans.find(
        (p): p is NodePlan =>
          p.kind === 'node' && p.serviceId === rpc.serviceId && p.role === 'validator' && p.target === 'sandbox' && !p.lido && p.network === rpc.network,
      );
      if (found === undefined) throw new Error(`service ${rpc.serviceName} has no sandbox validator plan on ${rpc.network}`);
      return found;
    };

    it('WHEN an RPC instance changes to a validator plan without fee_recipient THEN 400 naming it, and nothing is queued', async () => {
      const id = await provisioned();
      const res = await patch(id, { service_id: plan.serviceId, plan_id: validatorPlanOf(plan).id });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('BadRequest');
      expect(res.body.description).toContain('fee_recipient is required');
      expect(res.body.description).toContain("merged over the instance's current parameters");
      expect((await lastOperation(id)).body.description).toMatch(/^Provisioned/);
      expect((await osb(h.app).get(instancePath(id))).body.plan_id).toBe(plan.id);
    });

    it('WHEN the same change carries fee_recipient THEN 202 -> succeeded on the validator plan', async () => {
      const id = await provisioned();
      const validator = validatorPlanOf(plan);
      const res = await patch(id, { service_id: plan.serviceId, plan_id: validator.id, parameters: { fee_recipient: FEE_RECIPIENT } });
      expect(res.status).toBe(202);
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
      expect((await osb(h.app).get(instancePath(id))).body).toMatchObject({ plan_id: validator.id, parameters: { fee_recipient: FEE_RECIPIENT } });
    });
  });

  describe('maintenance_info on existing instances', () => {
    it('WHEN an identical PUT carries a stale maintenance_info.version THEN 422 MaintenanceInfoConflict, in progress and after success', async () => {
      const id = newId();
      const stale = provisionBody({ maintenance_info: { version: '0.0.1-old' } });
      expect((await put(id)).status).toBe(202);
      const during = await put(id, stale);
      expect(during.status).toBe(422);
      expect(during.body.error).toBe('MaintenanceInfoConflict');
      await h.runQueued();
      const after = await put(id, stale);
      expect(after.status).toBe(422);
      expect(after.body.error).toBe('MaintenanceInfoConflict');
      // The current version is the identical request it was.
      expect((await put(id, provisionBody({ maintenance_info: { version: plan.maintenanceInfo.version } }))).status).toBe(200);
    });

    it('WHEN a PATCH carries a stale maintenance_info.version THEN 422 MaintenanceInfoConflict, also with a plan_id for an unknown instance', async () => {
      const id = await provisioned();
      const stale = { service_id: plan.serviceId, maintenance_info: { version: '0.0.1-old' } };
      expect((await patch(id, stale)).body.error).toBe('MaintenanceInfoConflict');
      const unknown = await patch(newId(), { ...stale, plan_id: plan.id });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toBe('MaintenanceInfoConflict');
    });
  });

  describe('DELETE query ids must be the instance\'s or binding\'s', () => {
    it.each([
      ['another service_id', (p: NodePlan) => ['no-such-service', p.id], 'service_id "no-such-service"'],
      ['another plan_id', (p: NodePlan) => [p.serviceId, 'no-such-plan'], 'plan_id "no-such-plan"'],
    ])('WHEN a deprovision names %s THEN 400 naming it, and nothing is destroyed', async (_case, ids, named) => {
      const id = await provisioned();
      const [serviceId, planId] = ids(plan) as [string, string];
      const res = await remove(id, serviceId, planId);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('BadRequest');
      expect(res.body.description).toContain(named);
      expect(res.body.description).toContain('nothing was deprovisioned');
      expect((await lastOperation(id)).body.description).toMatch(/^Provisioned/);
      expect((await osb(h.app).get(instancePath(id))).status).toBe(200);
    });

    it('WHEN the plan was changed THEN the current plan_id deprovisions, the old one is 400', async () => {
      const id = await provisioned();
      const other = otherPlanOf(h.catalog, plan);
      expect((await patch(id, { service_id: plan.serviceId, plan_id: other.id, parameters: NEW_VOLUMES })).status).toBe(202);
      await h.runQueued();
      expect((await remove(id, plan.serviceId, plan.id)).status).toBe(400);
      expect((await remove(id, plan.serviceId, other.id)).status).toBe(202);
    });

    it('WHEN an unbind names another plan THEN 400 and the binding keeps working; after a plan change the instance\'s plan unbinds', async () => {
      const id = await provisioned();
      expect((await bind(id, 'b1')).status).toBe(201);
      const unbind = (planId: string) =>
        osb(h.app).delete(`${instancePath(id)}/service_bindings/b1?service_id=${plan.serviceId}&plan_id=${planId}`);
      const wrong = await unbind('no-such-plan');
      expect(wrong.status).toBe(400);
      expect(wrong.body.description).toContain('plan_id "no-such-plan"');
      expect(wrong.body.description).toContain('nothing was unbound');
      expect((await osb(h.app).get(`${instancePath(id)}/service_bindings/b1`)).status).toBe(200);

      const other = otherPlanOf(h.catalog, plan);
      expect((await patch(id, { service_id: plan.serviceId, plan_id: other.id, parameters: NEW_VOLUMES })).status).toBe(202);
      await h.runQueued();
      expect((await unbind(other.id)).status).toBe(200);
      expect((await osb(h.app).get(`${instancePath(id)}/service_bindings/b1`)).status).toBe(404);
    });

    it('WHEN a deprovision comes while an update runs THEN 422 ConcurrencyError', async () => {
      const id = await provisioned();
      expect((await patch(id, { service_id: plan.serviceId, parameters: { checkpoint_sync_url: CHECKPOINT } })).status).toBe(202);
      const res = await remove(id);
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('ConcurrencyError');
      await h.runQueued();
      expect((await lastOperation(id)).body.state).toBe('succeeded');
    });
  });

  describe('X-Broker-API-Originating-Identity and context.platform', () => {
    const cloudfoundry = originatingIdentity('cloudfoundry', { user_id: 'u-1' });

    it('WHEN they name different platforms THEN 400 naming both, for provision, update and bind; nothing is persisted', async () => {
      const id = newId();
      const res = await put(id).set('X-Broker-API-Originating-Identity', cloudfoundry);
      expect(res.status).toBe(400);
      expect(res.body.description).toContain('"cloudfoundry"');
      expect(res.body.description).toContain('context.platform is "kubernetes"');
      expect((await lastOperation(id)).status).toBe(404);

      const live = await provisioned();
      const update = await patch(live, { service_id: plan.serviceId, context: { platform: 'kubernetes' }, parameters: { execution_storage_gi: 140 } }).set(
        'X-Broker-API-Originating-Identity',
        cloudfoundry,
      );
      expect(update.status).toBe(400);
      expect((await lastOperation(live)).body).toMatchObject({ state: 'succeeded', description: expect.stringMatching(/^Provisioned/) });
      expect((await h.storage.listOperations({ instanceId: live })).map((operation) => operation.kind)).toEqual(['provision']);
      const bound = await bind(live, 'b1', { context: { platform: 'kubernetes' } }).set('X-Broker-API-Originating-Identity', cloudfoundry);
      expect(bound.status).toBe(400);
      expect((await osb(h.app).get(`${instancePath(live)}/service_bindings/b1`)).status).toBe(404);
    });

    it('WHEN they agree, or the request has no context THEN accepted', async () => {
      expect((await put(newId()).set('X-Broker-API-Originating-Identity', originatingIdentity('kubernetes', { username: 'alice' }))).status).toBe(202);
      expect((await put(newId(), provisionBody({ context: undefined })).set('X-Broker-API-Originating-Identity', cloudfoundry)).status).toBe(202);
    });
  });
});
