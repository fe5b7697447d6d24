/**
 * cdktf side of the provider: the hand-written constructs against the provider's own schema, stacks.yaml
 * broker mode (a stack entry with broker_url synthesises an ovsb_service_instance and a binding instead of
 * the node's resources), and what `ovsb review` makes of changes to such a stack.
 */
import { describe, expect, it } from 'vitest';
import { App, TerraformStack } from 'cdktf';
import {
  OvsbProvider,
  OvsbServiceBinding,
  OvsbServiceInstance,
  PROVIDER_ATTRIBUTES,
  SERVICE_BINDING_ATTRIBUTES,
  SERVICE_INSTANCE_ATTRIBUTES,
} from '../../modules/ovsb/provider';
import { loadCatalog } from '../../src/catalog/load';
import { ConfigError } from '../../src/errors';
import { PROVIDER_SCHEMA } from '../../src/provider/provider-config';
import { SERVICE_BINDING_SCHEMA } from '../../src/provider/resources/service-binding';
import { SERVICE_INSTANCE_SCHEMA } from '../../src/provider/resources/service-instance';
import { PROVIDER_SOURCE } from '../../src/provider/install';
import type { Schema } from '../../src/provider/schema';
import { diffStack } from '../../src/review/diff';
import { parseTeamStacks, teamStackDefinition } from '../../src/stacks-file';
import { synthesizeInMemory, type TerraformJson } from '../../src/synth';

/** Attributes (and blocks) a configuration may set: everything but computed-only attributes. */
function settable(schema: Schema): string[] {
  const attributes = Object.entries(schema.block.attributes)
    .filter(([, a]) => a.required === true || a.optional === true)
    .map(([name]) => name);
  return [...attributes, ...Object.keys(schema.block.blocks ?? {})].sort();
}
const required = (schema: Schema): string[] => Object.entries(schema.block.attributes).filter(([, a]) => a.required).map(([name]) => name);

describe('cdktf constructs match the provider schema', () => {
  it.each([
    ['provider', PROVIDER_ATTRIBUTES, PROVIDER_SCHEMA],
    ['ovsb_service_instance', SERVICE_INSTANCE_ATTRIBUTES, SERVICE_INSTANCE_SCHEMA],
    ['ovsb_service_binding', SERVICE_BINDING_ATTRIBUTES, SERVICE_BINDING_SCHEMA],
  ] as const)('%s: one config field per settable attribute, and nothing else', (_name, table, schema) => {
    expect(Object.values(table).sort()).toEqual(settable(schema));
  });

  it('a stack using every field synthesises only attributes of the schema, required ones included, with the provider source', () => {
    const app = new App({ skipValidation: true });
    const stack = new TerraformStack(app, 'all-fields');
    const provider = new OvsbProvider(stack, 'ovsb', {
      url: 'http://127.0.0.1:8080', username: 'u', password: 'p', caFile: '/ca.pem', apiVersion: '2.17', organizationGuid: 'o', spaceGuid: 's',
    });
    const instance = new OvsbServiceInstance(stack, 'instance', {
      provider,
      service: 'ovsb-geth-lighthouse',
      plan: 'validator-sandbox-hoodi',
      instanceId: 'team-1',
      parameters: { fee_recipient: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' },
      maintenanceInfoVersion: '1.0.0',
      context: { team: 'x' },
      timeouts: { create: '30m', update: '30m', delete: '30m' },
    });
    new OvsbServiceBinding(stack, 'binding', { provider, instanceId: instance.instanceId, bindingId: 'b', parameters: '{"scopes":[]}', timeouts: { create: '1m', delete: '1m' } });
    const json = stack.toTerraform() as TerraformJson & { resource: Record<string, Record<string, Record<string, unknown>>> };
    const provided = (json.provider as Record<string, Record<string, unknown>[]>)['ovsb']![0]!;
    expect(Object.keys(provided).sort()).toEqual(settable(PROVIDER_SCHEMA));
    expect((json.terraform as { required_providers: Record<string, { source: string }> }).required_providers['ovsb']?.source).toBe(PROVIDER_SOURCE);
    for (const [type, schema] of [['ovsb_service_instance', SERVICE_INSTANCE_SCHEMA], ['ovsb_service_binding', SERVICE_BINDING_SCHEMA]] as const) {
      const [resource] = Object.values(json.resource[type]!);
      const own = Object.keys(resource!).filter((key) => !['provider', 'depends_on', 'lifecycle', 'count', 'for_each', '//'].includes(key));
      expect(own.sort()).toEqual(settable(schema));
      for (const name of required(schema)) expect(resource).toHaveProperty(name);
    }
    expect(json.resource['ovsb_service_binding']!['binding']!['instance_id']).toBe('${ovsb_service_instance.instance.instance_id}');
  });
});

const catalog = loadCatalog();
const PLAN = 'geth-lighthouse-validator-sandbox-hoodi';
const stacksYaml = (entry: string) => `stacks:\n${entry}`;
const brokered = (extra = '', parameters = '{ fee_recipient: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" }', plan = PLAN) => `
  - name: team-brokered
    plan: ${plan}
    broker_url: http://127.0.0.1:8080
    parameters: ${parameters}${extra}
`;

async function synthTeam(text: string): Promise<TerraformJson & { resource: Record<string, Record<string, Record<string, unknown>>> }> {
  const [stack] = parseTeamStacks(text, 'stacks.yaml', catalog);
  return synthesizeInMemory(await teamStackDefinition(stack!)) as never;
}

describe('stacks.yaml broker mode', () => {
  it('an entry with broker_url synthesises the instance and a binding through the provider, not the node resources', async () => {
    const json = await synthTeam(stacksYaml(brokered()));
    expect(Object.keys(json.resource).sort()).toEqual(['ovsb_service_binding', 'ovsb_service_instance']);
    expect(json.resource['ovsb_service_instance']!['instance']).toMatchObject({
      instance_id: 'team-brokered',
      service: 'ovsb-geth-lighthouse',
      plan: 'validator-sandbox-hoodi',
      parameters: { fee_recipient: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' },
    });
    expect(json.provider?.['ovsb']).toEqual([{ url: 'http://127.0.0.1:8080' }]); // no password in the file
    expect(json.output?.['credentials']).toMatchObject({ sensitive: true });
    expect(Object.keys(json.output ?? {}).sort()).toEqual(['credentials', 'instance_id']);
  });

  it('binding: false leaves the binding out', async () => {
    const json = await synthTeam(stacksYaml(brokered('\n    binding: false')));
    expect(Object.keys(json.resource)).toEqual(['ovsb_service_instance']);
  });

  it('parameters are checked against the catalog as in direct mode; bad URLs and a stray binding are refused', () => {
    expect(() => parseTeamStacks(stacksYaml(brokered('', '{ fee_recipient: "nope" }')), 'stacks.yaml', catalog)).toThrow(ConfigError);
    expect(() => parseTeamStacks(stacksYaml(brokered().replace('http://127.0.0.1:8080', 'ftp://x')), 'stacks.yaml', catalog)).toThrow(/broker_url.*not an http\(s\) URL/);
    const stray = `\n  - name: direct\n    plan: ${PLAN}\n    binding: true\n    parameters: { fee_recipient: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" }\n`;
    expect(() => parseTeamStacks(stacksYaml(stray), 'stacks.yaml', catalog)).toThrow(/binding.*broker mode only/);
  });

  it('ovsb review: a service change replaces the broker instance, loud as destroying the node and its volumes', async () => {
    const before = await synthTeam(stacksYaml(brokered()));
    const after = await synthTeam(stacksYaml(brokered('', undefined, 'nethermind-lighthouse-validator-sandbox-hoodi')));
    const diff = diffStack('team-brokered', before, after);
    expect(diff?.destructive).toBe(true);
    const finding = diff?.findings.find((f) => f.address === 'ovsb_service_instance.instance');
    expect(finding?.kind).toBe('destructive');
    expect(finding?.message).toContain('service instance at the broker');
    expect(finding?.message).toContain('service changed');
    // The binding follows its instance (instance_id is a reference): it is replaced too.
    expect(diff?.blocks.find((b) => b.address === 'ovsb_service_binding.binding')?.action).toBe('replace');
  });

  it('ovsb review: a storage parameter change is an in-place broker update that resizes volumes', async () => {
    const before = await synthTeam(stacksYaml(brokered()));
    const after = await synthTeam(stacksYaml(brokered('', '{ fee_recipient: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", execution_storage_gi: 1500 }')));
    const diff = diffStack('team-brokered', before, after);
    expect(diff?.blocks.find((b) => b.address === 'ovsb_service_instance.instance')?.action).toBe('update');
    expect(diff?.findings.map((f) => f.kind)).toEqual(['volume-resize']);
  });
});
