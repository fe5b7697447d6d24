/**
 * Acceptance on PostgreSQL: the same provider and terraform against a broker on a throwaway PostgreSQL
 * (storage and the terraform pg state backend), once through create, no-op plan and destroy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_INSTANCE_STATES } from '../../src/operations/types';
import { sandboxPlan } from '../broker/harness';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { PROVIDER_HEADER, startProviderWorld, type ProviderWorld } from './terraform-env';

let postgres: TestPostgres;
let world: ProviderWorld;

beforeAll(async () => {
  postgres = await startPostgres();
  world = await startProviderWorld({ engine: 'postgres', postgres, terraformBackend: 'pg', builtInPolicies: true });
});

afterAll(async () => {
  await world?.close();
  await postgres?.stop();
});

describe('terraform-provider-ovsb against a broker on PostgreSQL', () => {
  it('apply creates an instance and a binding, a second plan shows no changes, destroy removes them', async () => {
    const plan = sandboxPlan(world.harness.catalog, 'rpc');
    const dir = world.workdir('pg', `${PROVIDER_HEADER}
resource "ovsb_service_instance" "node" {
  service = "${plan.serviceName}"
  plan    = "${plan.name}"
}
resource "ovsb_service_binding" "node" {
  instance_id = ovsb_service_instance.node.instance_id
  parameters  = { scopes = ["pool:validator.\${ovsb_service_instance.node.instance_id}:read.basic"] }
}
output "execution_http_url" {
  value = nonsensitive(ovsb_service_binding.node.credentials.execution_http_url)
}
`);
    const tf = (...args: string[]) => world.terraform(dir, [...args, '-no-color', '-input=false']);
    expect((await tf('init')).code).toBe(0);
    const apply = await tf('apply', '-auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.');
    expect(apply.stdout).toMatch(/execution_http_url = "http:\/\/execution\..+:8545"/);
    const [instance] = await world.harness.storage.listInstances({ states: LIVE_INSTANCE_STATES });
    expect(instance?.state).toBe('provisioned');
    const [binding] = await world.harness.storage.listBindings(instance!.id);
    expect(binding?.scopes).toEqual([`pool:validator.${instance!.id}:read.basic`]);
    const again = await tf('plan', '-detailed-exitcode');
    expect(again.code).toBe(0);
    const destroy = await tf('destroy', '-auto-approve');
    expect(destroy.code).toBe(0);
    expect(await world.harness.storage.listInstances({ states: LIVE_INSTANCE_STATES })).toEqual([]);
  });
});
