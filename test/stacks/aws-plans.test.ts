/**
 * Every AWS plan of the bundled catalog, synthesised as the broker would (example parameters, validator
 * keys from a Secrets Manager secret): the host holds the containers' docker limits, and the user data
 * fits EC2's 16 KiB.
 */
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { awsHostOf } from '../../modules/aws/host';
import { HOST_RESERVED_GIB, M6I_SIZES } from '../../modules/aws/sizing';
import { cpuCores, memoryBytes } from '../../modules/aws/quantity';
import { MEV_BOOST } from '../../modules/clients/index';
import { buildNodeTopology } from '../../modules/clients/topology';
import type { ContainerSpec } from '../../modules/clients/types';
import { loadCatalog } from '../../src/catalog/load';
import type { NodeParameters } from '../../src/catalog/parameters';
import { synthesizeMevBoostStack, synthesizeNodeStack } from '../../src/synth';
import { resolveStackProps } from '../../src/topology';
import { withProbeSettings } from '../../stacks/probes';
import { BUNDLED_CATALOG } from '../catalog/helpers';
import { resourcesOf, type Json } from './fixtures';

const catalog = loadCatalog(BUNDLED_CATALOG);
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ovsb/validator-keys-AbCdEf';
/** EC2 refuses user data over 16 KiB once base64-encoded. */
const USER_DATA_LIMIT = 16 * 1024;

const awsPlans = catalog.plans.filter((plan) => plan.target === 'aws');

function parametersOf(plan: (typeof awsPlans)[number]) {
  const example = catalog.exampleParameters(plan);
  if (plan.kind !== 'node' || plan.role !== 'validator') return example;
  return { ...(example as NodeParameters), validator_keys: { aws_secret: SECRET }, readiness: { app_start_timeout_sec: 900 } };
}

function synthesize(plan: (typeof awsPlans)[number]): { json: Json; containers: readonly ContainerSpec[] } {
  const params = parametersOf(plan);
  expect(catalog.validateParameters(plan, params, 'create').ok, plan.stackName).toBe(true);
  const resolved = resolveStackProps(catalog, plan, params, { instanceName: 'i-abcdefghijklmnop' });
  if (resolved.kind === 'node') {
    const containers = withProbeSettings(buildNodeTopology(resolved.props, awsHostOf), resolved.props, 'aws').containers;
    return { json: synthesizeNodeStack(plan.stackName, resolved.props) as Json, containers };
  }
  const json = synthesizeMevBoostStack(plan.stackName, resolved.props) as Json;
  const { props } = resolved;
  const image = { version: props.version, ...(props.imageRepository !== undefined && { imageRepository: props.imageRepository }) };
  return { json, containers: [MEV_BOOST.container({ network: props.network, image, relays: props.relays, exposure: 'rpc' })] };
}

describe('every AWS plan', () => {
  it('covers the AWS plans of the bundled catalog', () => {
    expect(awsPlans.length).toBeGreaterThan(100);
  });

  it.each(awsPlans.map((plan) => [plan.stackName, plan] as const))(
    '%s: docker memory limits plus the host reserve fit the instance, and so do the CPU limits; the user data fits 16 KiB',
    (_name, plan) => {
      const { json, containers } = synthesize(plan);
      const [instance] = resourcesOf(json, 'aws_instance');
      const size = M6I_SIZES.find((candidate) => candidate.type === instance.instance_type);
      expect(size, instance.instance_type).toBeDefined();
      const limitsGiB = containers.reduce((sum, c) => sum + memoryBytes(c.resources.memoryLimit, 'limit'), 0) / 2 ** 30;
      expect(limitsGiB + HOST_RESERVED_GIB, `${plan.stackName} on ${size!.type}`).toBeLessThanOrEqual(size!.memoryGiB);
      for (const c of containers) expect(cpuCores(c.resources.cpuLimit, 'cpu'), c.component).toBeLessThanOrEqual(size!.vcpus);
      const requests = containers.reduce((sum, c) => sum + cpuCores(c.resources.cpuRequest, 'cpu'), 0);
      expect(requests).toBeLessThanOrEqual(size!.vcpus);

      const [script] = Object.values(json.locals) as string[];
      // What Terraform gzips: its escapes undone, the volume serial a real one.
      const handed = script!.replace(/\$\$\{/g, '${').replace(/\$\{replace\(aws_ebs_volume\.[^}]+\}/, 'vol0123456789abcdef0');
      expect(gzipSync(handed).toString('base64').length).toBeLessThanOrEqual(USER_DATA_LIMIT);
    },
  );

  it('GIVEN besu + nimbus rpc on mainnet (22 GiB of limits) THEN the host has 32 GiB, not 16', () => {
    const plan = catalog.findPlanByRef('besu-nimbus-rpc-aws-mainnet')!;
    const { json, containers } = synthesize(plan);
    expect(containers.reduce((sum, c) => sum + memoryBytes(c.resources.memoryLimit, 'limit'), 0) / 2 ** 30).toBe(22);
    expect(resourcesOf(json, 'aws_instance')[0].instance_type).toBe('m6i.2xlarge');
  });
});
