/**
 * Acceptance: the real terraform binary, terraform-provider-ovsb installed by `ovsb provider install`,
 * and a real broker (sandbox plans, SQLite, the broker's own policies). One broker and one terraform
 * working directory go through a configuration's life: create, no-op plan, update, replacement, drift,
 * import, a policy refusal, ten instances at once, destroy.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/catalog/model';
import { LIVE_INSTANCE_STATES } from '../../src/operations/types';
import { parseTeamStacks, teamStackDefinition } from '../../src/stacks-file';
import { writeSynthesizedApp } from '../../src/synth';
import { osb, sandboxPlan } from '../broker/harness';
import { PROVIDER_HEADER, startProviderWorld, type ProviderWorld, type TerraformResult } from './terraform-env';

const FEE_RECIPIENT = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

let world: ProviderWorld;
let dir: string;
let validator: NodePlan;
let otherValidator: NodePlan;
let rpc: NodePlan;
/** Everything init/plan/apply/import/destroy printed, to check that no credential ever appears in it. */
const printed: string[] = [];
/** Binding tokens, read with `terraform output -json` (the one way to see a sensitive value). */
const tokens = new Set<string>();

async function tf(...args: string[]): Promise<TerraformResult> {
  const result = await world.terraform(dir, [...args, '-no-color']);
  if (args[0] !== 'output' && args[0] !== 'state') printed.push(result.stdout, result.stderr);
  return result;
}

async function collectToken(): Promise<void> {
  const output = await tf('output', '-json', 'credentials');
  const token = (JSON.parse(output.stdout) as { token?: unknown }).token;
  expect(typeof token).toBe('string');
  tokens.add(token as string);
}

function mainTf(options: { graffiti?: string; plan?: NodePlan; extra?: string } = {}): string {
  const plan = options.plan ?? validator;
  return `${PROVIDER_HEADER}
resource "ovsb_service_instance" "node" {
  service = "${plan.serviceName}"
  plan    = "${plan.name}"
  parameters = {
    fee_recipient = "${FEE_RECIPIENT}"${options.graffiti === undefined ? '' : `\n    graffiti = "${options.graffiti}"`}
  }
  timeouts {
    create = "5m"
  }
}

resource "ovsb_service_binding" "node" {
  instance_id = ovsb_service_instance.node.instance_id
}

output "beacon_api_url" {
  value = nonsensitive(ovsb_service_binding.node.credentials.beacon_api_url)
}

output "credentials" {
  value     = ovsb_service_binding.node.credentials
  sensitive = true
}
${options.extra ?? ''}`;
}

const write = (text: string) => writeFileSync(join(dir, 'main.tf'), text);
const liveInstances = () => world.harness.storage.listInstances({ states: LIVE_INSTANCE_STATES });
const instanceId = async (address: string): Promise<string> => {
  const shown = await tf('state', 'show', address);
  const match = /^\s*instance_id\s*=\s*"([^"]+)"/m.exec(shown.stdout);
  if (!match) throw new Error(`no instance_id in state of ${address}:\n${shown.stdout}${shown.stderr}`);
  return match[1]!;
};

beforeAll(async () => {
  world = await startProviderWorld({ engine: 'sqlite', builtInPolicies: true });
  validator = sandboxPlan(world.harness.catalog, 'validator');
  rpc = sandboxPlan(world.harness.catalog, 'rpc');
  const other = world.harness.catalog.plans.find(
    (p): p is NodePlan =>
      p.kind === 'node' && p.target === 'sandbox' && p.role === 'validator' && !p.lido && p.network === 'hoodi' &&
      p.execution.client !== validator.execution.client && p.consensus.client !== validator.consensus.client &&
      // Another pair whose releases follow hoodi's scheduled fork: no fork window refuses it.
      world.harness.catalog.forkChecks(p).every((c) => c.ready),
  );
  if (!other) throw new Error('no second hoodi sandbox validator service in the bundled catalog');
  otherValidator = other;
  dir = world.workdir('life', mainTf());
});

afterAll(async () => {
  await world?.close();
});

describe('terraform-provider-ovsb with the real terraform binary', () => {
  it('ovsb provider install prints a CLI config; terraform init installs the provider from that mirror', async () => {
    expect(world.installOutput).toContain('filesystem_mirror');
    expect(world.installOutput).toContain(world.mirror);
    const init = await tf('init', '-input=false');
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/Installing ovsb\.local\/ovsb\/ovsb v0\.1\.0/);
    const lock = readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8');
    expect(lock).toContain('provider "ovsb.local/ovsb/ovsb"');
    expect(lock).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
  });

  it('apply provisions an instance and a binding through the broker, which applied the sandbox stack', async () => {
    const apply = await tf('apply', '-auto-approve', '-input=false');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.');
    const [instance] = await liveInstances();
    expect(instance?.state).toBe('provisioned');
    expect(instance?.planId).toBe(validator.id);
    expect(instance?.context?.['platform']).toBe('terraform');
    const bindings = await world.harness.storage.listBindings(instance!.id);
    expect(bindings).toHaveLength(1);
    // The beacon URL is one of the sandbox stack's terraform outputs: the broker really applied it.
    const output = await tf('output', '-raw', 'beacon_api_url');
    expect(output.stdout).toMatch(/^http:\/\/beacon\..+\.sandbox\.invalid:\d+$/);
    expect(apply.stdout).toContain('credentials = <sensitive>');
    await collectToken();
  });

  it('a second plan shows no changes', async () => {
    const plan = await tf('plan', '-detailed-exitcode', '-input=false');
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
  });

  it('a parameter change is an in-place update (PATCH)', async () => {
    write(mainTf({ graffiti: 'updated by terraform' }));
    const plan = await tf('plan', '-input=false');
    expect(plan.stdout).toContain('will be updated in-place');
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    const apply = await tf('apply', '-auto-approve', '-input=false');
    expect(apply.code).toBe(0);
    const [instance] = await liveInstances();
    expect(instance?.parameters['graffiti']).toBe('updated by terraform');
    expect((await tf('plan', '-detailed-exitcode', '-input=false')).code).toBe(0);
  });

  it('a service change replaces the instance (and its binding)', async () => {
    const before = await instanceId('ovsb_service_instance.node');
    write(mainTf({ plan: otherValidator }));
    const plan = await tf('plan', '-input=false');
    expect(plan.stdout).toMatch(/ovsb_service_instance\.node must be replaced/);
    expect(plan.stdout).toMatch(/service\s+= "[^"]+" -> "[^"]+" # forces replacement/);
    const apply = await tf('apply', '-auto-approve', '-input=false');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    const live = await liveInstances();
    expect(live.map((i) => i.id)).not.toContain(before);
    expect(live.map((i) => i.serviceId)).toEqual([otherValidator.serviceId]);
    await collectToken();
  });

  it('an instance deleted behind terraform\'s back is drift: the plan creates it again', async () => {
    const id = await instanceId('ovsb_service_instance.node');
    const deleted = await osb(world.harness.app).delete(`/v2/service_instances/${id}?accepts_incomplete=true&service_id=${otherValidator.serviceId}&plan_id=${otherValidator.id}`);
    expect(deleted.status).toBe(202);
    await world.harness.settle();
    const plan = await tf('plan', '-input=false');
    expect(plan.stdout).toContain('ovsb_service_instance.node has been deleted');
    expect(plan.stdout).toContain('ovsb_service_instance.node will be created');
    expect((await tf('apply', '-auto-approve', '-input=false')).code).toBe(0);
    expect(await liveInstances()).toHaveLength(1);
    await collectToken();
  });

  it('terraform import adopts an instance and a binding made over plain OSB, with no broker call after', async () => {
    const put = await osb(world.harness.app)
      .put('/v2/service_instances/made-over-osb?accepts_incomplete=true')
      .send({ service_id: rpc.serviceId, plan_id: rpc.id, organization_guid: 'platform-org', space_guid: 'platform-space', parameters: { execution_storage_gi: 300 } });
    expect(put.status).toBe(202);
    await world.harness.settle();
    const bound = await osb(world.harness.app).put('/v2/service_instances/made-over-osb/service_bindings/platform-binding').send({ service_id: rpc.serviceId, plan_id: rpc.id });
    expect(bound.status).toBe(201);
    write(mainTf({ plan: otherValidator, extra: importedBlock() }));
    const imported = await tf('import', '-input=false', 'ovsb_service_instance.imported', 'made-over-osb');
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('Import successful!');
    const importedBinding = await tf('import', '-input=false', 'ovsb_service_binding.imported', 'made-over-osb/platform-binding');
    expect(importedBinding.stderr).toBe('');
    expect(importedBinding.stdout).toContain('Import successful!');
    tokens.add((bound.body as { credentials: { token: string } }).credentials.token);
    // The plan is named by its stack name and the parameters are a JSON string: both read as the same,
    // so the update only rewrites state (no operation is planned, no PATCH is sent).
    const plan = await tf('plan', '-input=false');
    expect(plan.stdout).toContain('ovsb_service_instance.imported will be updated in-place');
    expect(plan.stdout).not.toMatch(/# ovsb_service_binding\.imported (will|must)/);
    expect(plan.stdout).not.toContain('operation');
    expect((await tf('apply', '-auto-approve', '-input=false')).code).toBe(0);
    expect((await tf('plan', '-detailed-exitcode', '-input=false')).code).toBe(0);
    const operations = await world.harness.storage.listOperations({ instanceId: 'made-over-osb' });
    expect(operations.map((o) => o.kind).sort()).toEqual(['bind', 'provision']);
  });

  it('a diversity refusal is an error carrying the broker\'s text, on the service attribute', async () => {
    const extra = `
resource "ovsb_service_instance" "refused" {
  service    = "${otherValidator.serviceName}"
  plan       = "${otherValidator.name}"
  parameters = { fee_recipient = "${FEE_RECIPIENT}" }
}
`;
    write(mainTf({ plan: otherValidator, extra: extra + importedBlock() }));
    const apply = await tf('apply', '-auto-approve', '-input=false');
    expect(apply.code).toBe(1);
    const error = apply.stderr.replace(/\s+/g, ' ');
    expect(error).toContain('Error: The broker refused to provision instance');
    expect(error).toContain('(HTTP 422 DiversityPolicy)');
    expect(error).toContain('refused by policy client-diversity');
    expect(error).toContain(`with ovsb_service_instance.refused, on main.tf line`);
    expect(error).toMatch(/service = "[^"]+"/);
    expect(await liveInstances()).toHaveLength(2);
    write(mainTf({ plan: otherValidator, extra: importedBlock() }));
  });

  it('ten instances in one apply with -parallelism=10 all succeed', async () => {
    write(mainTf({ plan: otherValidator, extra: importedBlock() + fleetBlock() }));
    const apply = await tf('apply', '-auto-approve', '-input=false', '-parallelism=10');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Resources: 10 added, 0 changed, 0 destroyed.');
    const fleetInstances = (await liveInstances()).filter((i) => i.id.startsWith('fleet-'));
    expect(fleetInstances.map((i) => i.state)).toEqual(Array(10).fill('provisioned'));
  });

  it('data sources: ovsb_plan finds a plan by stack name, ovsb_catalog lists services with their diversity status', async () => {
    const data = `
data "ovsb_plan" "rpc" {
  stack_name = "${rpc.stackName}"
}
data "ovsb_catalog" "all" {}
output "rpc_plan_id" {
  value = data.ovsb_plan.rpc.plan_id
}
output "rpc_service_name" {
  value = data.ovsb_plan.rpc.service_name
}
output "validator_diversity" {
  value = one([for s in data.ovsb_catalog.all.services : s.diversity_status if s.name == "${validator.serviceName}"])
}
`;
    write(mainTf({ plan: otherValidator, extra: importedBlock() + fleetBlock() + data }));
    const apply = await tf('apply', '-auto-approve', '-input=false', '-parallelism=10');
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toContain('Resources: 0 added, 0 changed, 0 destroyed.');
    const outputs = JSON.parse((await tf('output', '-json')).stdout) as Record<string, { value: unknown }>;
    expect(outputs['rpc_plan_id']?.value).toBe(rpc.id);
    expect(outputs['rpc_service_name']?.value).toBe(rpc.serviceName);
    expect(['minority', 'warn', 'majority', 'supermajority']).toContain(outputs['validator_diversity']?.value);
  });

  it('a stacks.yaml stack in broker mode deploys through the provider (the synthesised stack, as cdktf deploy runs it)', async () => {
    const stacksYaml = `stacks:
  - name: team-brokered
    plan: ${validator.stackName}
    broker_url: ${world.url}
    parameters: { fee_recipient: "${FEE_RECIPIENT}" }
`;
    const [stack] = parseTeamStacks(stacksYaml, 'stacks.yaml', world.harness.catalog);
    const out = world.workdir('cdktf-out', '');
    rmSync(join(out, 'main.tf'));
    writeSynthesizedApp(out, [await teamStackDefinition(stack!)]);
    const stackDir = join(out, 'stacks', 'team-brokered');
    const run = (...args: string[]) => world.terraform(stackDir, [...args, '-no-color', '-input=false']).then((r) => (printed.push(r.stdout, r.stderr), r));
    expect((await run('init')).code).toBe(0);
    const apply = await run('apply', '-auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toContain('Apply complete! Resources: 2 added');
    const instance = await world.harness.storage.getInstance('team-brokered');
    expect(instance?.state).toBe('provisioned');
    expect(instance?.planId).toBe(validator.id);
    const destroy = await run('destroy', '-auto-approve');
    expect(destroy.code).toBe(0);
    expect((await world.harness.storage.getInstance('team-brokered'))?.state).toBe('deprovisioned');
  });

  it('destroy leaves the broker with no instances', async () => {
    const destroy = await tf('destroy', '-auto-approve', '-input=false', '-parallelism=10');
    expect(destroy.stderr).toBe('');
    expect(destroy.code).toBe(0);
    expect(await liveInstances()).toEqual([]);
  });

  it('no credential ever appeared in terraform\'s output', async () => {
    expect(tokens.size).toBe(4);
    const everything = printed.join('\n');
    for (const token of tokens) expect(everything).not.toContain(token);
  });
});

function fleetBlock(): string {
  return `
resource "ovsb_service_instance" "fleet" {
  count       = 10
  service     = "${rpc.serviceName}"
  plan        = "${rpc.name}"
  instance_id = "fleet-\${count.index}"
}
`;
}

function importedBlock(): string {
  return `
resource "ovsb_service_instance" "imported" {
  service    = "${rpc.serviceName}"
  plan       = "${rpc.stackName}"
  parameters = jsonencode({ execution_storage_gi = 300 })
}

resource "ovsb_service_binding" "imported" {
  instance_id = ovsb_service_instance.imported.instance_id
}
`;
}
