/**
 * A deprovision never reports resources destroyed when their terraform state cannot be seen (local
 * backend: the workspace is gone, as on a replica that never had it): it fails, saying why. (An instance
 * never applied deprovisions cleanly: test/terraform/runner.test.ts.)
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspaces } from '../../src/terraform/workspace';
import { createHarness, osb, sandboxPlan, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ engine: 'sqlite', hold: true });
});
afterAll(async () => {
  await h.close();
});

describe('deprovision when the state cannot be seen', () => {
  it('an applied instance whose workspace is gone: the deprovision fails naming the cause, the instance stays', async () => {
    const plan = sandboxPlan(h.catalog);
    const path = '/v2/service_instances/unseen-1';
    expect((await osb(h.app).put(`${path}?accepts_incomplete=true`).send({ organization_guid: 'o', space_guid: 's', service_id: plan.serviceId, plan_id: plan.id })).status).toBe(202);
    await h.runQueued();
    rmSync(new Workspaces(h.dataDir).for('unseen-1').dir, { recursive: true, force: true });
    expect((await osb(h.app).delete(`${path}?accepts_incomplete=true&service_id=${plan.serviceId}&plan_id=${plan.id}`)).status).toBe(202);
    await h.runQueued();
    const last = await osb(h.app).get(`${path}/last_operation`);
    expect(last.body.state).toBe('failed');
    expect(last.body.description).toMatch(/not on this broker.*nothing was destroyed/);
    expect((await h.storage.getInstance('unseen-1'))?.state).not.toBe('deprovisioned');
  });
});
