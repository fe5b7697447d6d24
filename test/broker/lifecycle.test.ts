/**
 * The whole OSB loop on a sandbox plan with the real terraform binary and the real worker, on SQLite and
 * on PostgreSQL: provision -> poll (progress shown) -> fetch -> bind (credentials from real outputs) ->
 * fetch binding -> unbind -> deprovision -> poll -> 410, and the workspace is gone afterwards.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { CREDENTIALS, createHarness, osb, sandboxPlan, type Engine, type Harness } from './harness';

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

/** Polls last_operation until the operation ends; returns the final body. */
async function pollUntilDone(h: Harness, path: string, operation: string): Promise<{ state: string; description: string }> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const res = await osb(h.app).get(path).query({ operation });
    expect(res.status).toBe(200);
    if (res.body.state !== 'in progress') return res.body as { state: string; description: string };
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    await sleep(100);
  }
  throw new Error(`operation ${operation} still in progress after 60 s`);
}

const VARIANTS: readonly (readonly [Engine, 'local' | 'pg'])[] = [
  ['sqlite', 'local'],
  ['postgres', 'local'],
  ['postgres', 'pg'],
];

/** Terraform state schemas (`ovsb_<hex>`) the pg backend left in the database. */
async function stateSchemas(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'ovsb\\_%'");
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe.each(VARIANTS)('the OSB lifecycle on %s storage, %s terraform state, with real terraform', (engine, terraformBackend) => {
  it('provision -> poll -> fetch -> bind -> fetch binding -> unbind -> deprovision -> poll -> 410', async () => {
    const h = await createHarness({ engine, terraformBackend, ...(postgres !== undefined && { postgres }) });
    const progress: string[] = [];
    const report = h.storage.reportProgress.bind(h.storage);
    // Observe (not replace) what the worker writes for last_operation.
    h.storage.reportProgress = async (operationId, description) => {
      progress.push(description);
      return report(operationId, description);
    };
    try {
      const plan = sandboxPlan(h.catalog);
      const id = `lifecycle-${engine}`;
      const instancePath = `/v2/service_instances/${id}`;

      const provision = await osb(h.app)
        .put(`${instancePath}?accepts_incomplete=true`)
        .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, context: { platform: 'kubernetes', namespace: 'ns' }, parameters: { execution_storage_gi: 120 } });
      expect(provision.status).toBe(202);
      const provisioned = await pollUntilDone(h, `${instancePath}/last_operation`, provision.body.operation);
      expect(provisioned).toEqual({ state: 'succeeded', description: 'Provisioned' });
      if (terraformBackend === 'pg') expect(await stateSchemas(h.databaseUrl!)).toHaveLength(1);
      // Progress writes coalesce (the newest text wins while one is in flight), so a fast sandbox apply
      // may skip the per-resource lines; the terraform phases still reach last_operation.
      expect(progress).toContain('initialising terraform');
      expect(progress.some((line) => /^(applying \d+\/\d+: |apply complete: |reading outputs$)/.test(line))).toBe(true);

      const fetched = await osb(h.app).get(instancePath);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({ service_id: plan.serviceId, plan_id: plan.id, parameters: { execution_storage_gi: 120 } });

      const bindingPath = `${instancePath}/service_bindings/app-binding`;
      const bind = await osb(h.app).put(bindingPath).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, bind_resource: { app_guid: 'app' } });
      expect(bind.status).toBe(201);
      const { credentials, endpoints } = bind.body;
      expect(credentials).toMatchObject({
        execution_http_url: expect.stringMatching(/^http:\/\/execution\.i-[a-z2-7]{16}\.sandbox\.invalid:\d+/),
        execution_ws_url: expect.stringMatching(/^ws:\/\//),
        beacon_api_url: expect.stringMatching(/^http:\/\/beacon\./),
        network: 'hoodi',
        role: 'rpc',
        target: 'sandbox',
        token: expect.stringMatching(/^ovsb_/),
      });
      expect(credentials.jwt_secret).toBeUndefined();
      expect(endpoints).toEqual(expect.arrayContaining([expect.objectContaining({ host: new URL(credentials.execution_http_url).hostname })]));

      const fetchedBinding = await osb(h.app).get(bindingPath);
      expect(fetchedBinding.status).toBe(200);
      expect(fetchedBinding.body.credentials).toEqual(credentials);

      const unbind = await osb(h.app).delete(`${bindingPath}?service_id=${plan.serviceId}&plan_id=${plan.id}`);
      expect(unbind.status).toBe(200);
      expect((await osb(h.app).get(bindingPath)).status).toBe(404);

      const deleteQuery = `?accepts_incomplete=true&service_id=${plan.serviceId}&plan_id=${plan.id}`;
      const deprovision = await osb(h.app).delete(`${instancePath}${deleteQuery}`);
      expect(deprovision.status).toBe(202);
      const deprovisioned = await pollUntilDone(h, `${instancePath}/last_operation`, deprovision.body.operation);
      expect(deprovisioned.state).toBe('succeeded');
      expect((await osb(h.app).delete(`${instancePath}${deleteQuery}`)).status).toBe(410);

      // Destroyed for real: no workspace (configuration or state) is left for the instance.
      const workspaces = join(h.dataDir, 'workspaces');
      expect(existsSync(workspaces) ? readdirSync(workspaces) : []).toEqual([]);
      if (terraformBackend === 'pg') expect(await stateSchemas(h.databaseUrl!)).toEqual([]);
      // Secrets never reached the logs.
      const logText = JSON.stringify(h.logs);
      expect(logText).not.toContain(credentials.token);
      expect(logText).not.toContain(CREDENTIALS.password);
      expect(logText).not.toContain(Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64'));
      expect(logText).not.toContain('execution_storage_gi');
    } finally {
      await h.close();
    }
  });
});
