import { describe, expect, it } from 'vitest';
import { EXAMPLE_FEE_RECIPIENT } from '../../src/catalog/examples';
import { loadCatalog } from '../../src/catalog/load';
import type { NodePlan } from '../../src/catalog/model';
import { describeParameterErrors } from '../../src/catalog/parameters';
import { BUNDLED_CATALOG } from './helpers';

const catalog = loadCatalog(BUNDLED_CATALOG);
const plan = (ref: string) => catalog.findPlanByRef(ref) as NodePlan;
const validatorK8s = plan('nethermind-prysm-validator-kubernetes-mainnet');
const validatorAws = plan('nethermind-prysm-validator-aws-mainnet');
const rpcHoodi = plan('geth-teku-rpc-sandbox-hoodi');
const RELAY = 'https://0xac6e77dfe25ecd6110b8e780608cce0dab71fdd5ebea22a16c0205200f2f8e2e3ad3b71d3499c54ad14d6c21b41a37ae@boost-relay.flashbots.net';

const errorsOf = (p: NodePlan, params: unknown, op: 'create' | 'update' = 'create') => {
  const result = catalog.validateParameters(p, params, op);
  return result.ok ? [] : result.errors;
};

describe('parameter validation', () => {
  it('accepts a full validator provision', () => {
    const params = {
      fee_recipient: EXAMPLE_FEE_RECIPIENT,
      graffiti: 'hello',
      checkpoint_sync_url: 'https://beaconstate.example.org',
      mev_boost: { enabled: true, relays: [RELAY], min_bid_eth: 0.05 },
      builder_boost_factor: 100,
      validator_keys: { kubernetes_secret: 'my-keys' },
      validator_count: 12,
      doppelganger_protection: false,
      execution_storage_gi: 2000,
      consensus_storage_gi: 400,
      resources: { execution: { cpu_request: '4', cpu_limit: '8', memory_request: '16Gi', memory_limit: '32Gi' } },
      liveness: { path: '/health', timeout_sec: 5, check_interval_sec: 20, success_threshold: 1 },
      readiness: { timeout_sec: 2, app_start_timeout_sec: 600 },
    };
    expect(errorsOf(validatorK8s, params)).toEqual([]);
  });

  it.each<[string, NodePlan, unknown, string, RegExp]>([
    ['a missing fee recipient', validatorK8s, {}, 'fee_recipient', /fee_recipient is required/],
    ['a fee recipient with a typo', validatorK8s, { fee_recipient: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' }, 'fee_recipient', /fails its EIP-55 checksum/],
    ['a fee recipient without checksum', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT.toLowerCase() }, 'fee_recipient', /has no EIP-55 checksum/],
    ['a fee recipient that is no address', validatorK8s, { fee_recipient: '0x1234' }, 'fee_recipient', /not an address/],
    ['the zero address as fee recipient', validatorK8s, { fee_recipient: '0x0000000000000000000000000000000000000000' }, 'fee_recipient', /is the zero address: priority fees and MEV sent there are burned/],
    ['a reth volume under reth\'s own minimum (its archive node)', plan('reth-teku-validator-kubernetes-mainnet'), { fee_recipient: EXAMPLE_FEE_RECIPIENT, execution_storage_gi: 2000 }, 'execution_storage_gi', /must be >= 2800 \(got 2000\)/],
    ['a secret name the AWS plan cannot read', validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { aws_secret: 'no spaces allowed' } }, 'validator_keys', /aws_secret/],
    ['graffiti over 32 bytes', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, graffiti: 'ééééééééééééééééé' }, 'graffiti', /34 bytes in UTF-8; at most 32/],
    ['an http checkpoint URL', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, checkpoint_sync_url: 'http://x.example' }, 'checkpoint_sync_url', /must start with https/],
    ['a relay without public key', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, mev_boost: { relays: ['https://relay.example'] } }, 'mev_boost.relays[0]', /not a relay URL/],
    ['a storage size under the network minimum', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, execution_storage_gi: 500 }, 'execution_storage_gi', /must be >= 1000 \(got 500\)/],
    ['key material', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { keystore: '{...}' } }, 'validator_keys', /key material itself is never accepted/],
    ['a Web3Signer URL for the lighthouse validator client', plan('geth-lighthouse-validator-aws-hoodi'), { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { web3signer_url: 'https://signer.internal' } }, 'validator_keys', /exactly one of/],
    ['an unknown parameter', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, fee_recipeint: 'x' }, 'fee_recipeint', /fee_recipeint is not a parameter of this plan; allowed: fee_recipient, graffiti/],
    ['validator parameters on an rpc plan', rpcHoodi, { fee_recipient: EXAMPLE_FEE_RECIPIENT }, 'fee_recipient', /not a parameter of this plan/],
    ['a liveness success threshold above the seed range', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, liveness: { success_threshold: 11 } }, 'liveness.success_threshold', /must be <= 10/],
    ['a probe interval not above its timeout', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, readiness: { timeout_sec: 5 } }, 'readiness.check_interval_sec', /readiness.check_interval_sec \(5\) must be greater than readiness.timeout_sec \(5\)/],
    ['a request above its limit', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, resources: { beacon: { memory_request: '2Gi', memory_limit: '1024Mi' } } }, 'resources.beacon.memory_request', /exceeds memory_limit/],
    ['a resource for a component the plan lacks', rpcHoodi, { resources: { validator: { cpu_request: '1' } } }, 'resources.validator', /not a parameter of this plan; allowed: execution, beacon/],
    ['a wrong type', validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_count: '3' }, 'validator_count', /validator_count must be integer, got "3"/],
    ['parameters that are not an object', validatorK8s, ['x'], '(parameters)', /parameters must be object/],
  ])('refuses %s, naming the field', (_, p, params, field, message) => {
    const errors = errorsOf(p, params);
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.find((e) => e.field === field)!.message).toMatch(message);
  });

  it('accepts an AWS Secrets Manager secret by name or ARN on AWS, and a Web3Signer URL where the client takes one', () => {
    expect(errorsOf(validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { aws_secret: 'prod/validator-keys' } })).toEqual([]);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/validator-keys-AbCdEf';
    expect(errorsOf(validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { aws_secret: arn } })).toEqual([]);
    expect(errorsOf(validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { web3signer_url: 'http://signer:9000' } })).toEqual([]);
  });

  it.each([
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/keys-AbCdEf',
    'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:prod/keys-AbCdEf',
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:prod/keys',
  ])('GIVEN the ARN %s (aws, China and GovCloud partitions, full or partial) THEN accepted', (arn) => {
    expect(errorsOf(validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { aws_secret: arn } })).toEqual([]);
  });

  it.each([
    ['a partition that is not one', 'arn:awsome:secretsmanager:us-east-1:123456789012:secret:prod/keys'],
    ['an unfinished partition', 'arn:aws-:secretsmanager:us-east-1:123456789012:secret:prod/keys'],
    ['another cloud', 'arn:gcp:secretsmanager:us-east-1:123456789012:secret:prod/keys'],
    ['another service', 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/keys'],
    ['a short account id', 'arn:aws:secretsmanager:us-east-1:12345:secret:prod/keys'],
  ])('GIVEN %s in the ARN THEN the secret is refused', (_, arn) => {
    expect(errorsOf(validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { aws_secret: arn } }).map((e) => e.field)).toEqual(['validator_keys']);
  });

  it('GIVEN an AWS plan WHEN keys name a Kubernetes Secret THEN refused (the host cannot read one); and the reverse on Kubernetes', () => {
    expect(errorsOf(validatorAws, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { kubernetes_secret: 'keys' } }).map((e) => e.field)).toEqual(['validator_keys']);
    expect(errorsOf(validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { aws_secret: 'keys' } }).map((e) => e.field)).toEqual(['validator_keys']);
  });

  it('says on AWS plans what the readiness probe does there and what app_start_timeout_sec does', () => {
    const aws = (catalog.parameterSchema(validatorAws, 'create') as any).properties.readiness;
    expect(aws.description).toMatch(/On AWS a prober on the host runs it/);
    expect(aws.description).toMatch(/not restarted/);
    expect(aws.description).toMatch(/app_start_timeout_sec: a component not ready that long after it started is logged as a failed start; provisioning does not wait/);
    expect((catalog.parameterSchema(validatorK8s, 'create') as any).properties.readiness.description).not.toMatch(/On AWS/);
  });

  it('says per target what a new volume size does: replaced StatefulSet on Kubernetes, resized EBS volume on AWS', () => {
    const k8s = (catalog.parameterSchema(validatorK8s, 'create') as any).properties.execution_storage_gi.description;
    expect(k8s).toMatch(/replaces the StatefulSet/);
    expect(k8s).toMatch(/existing claim keeps its data and its old size/);
    expect(k8s).not.toMatch(/grow in place/);
    const aws = (catalog.parameterSchema(validatorAws, 'create') as any).properties.execution_storage_gi.description;
    expect(aws).toMatch(/EBS volume is resized in place/);
    expect(aws).toMatch(/cannot shrink/);
  });

  it('says in Kubernetes plans\' schema that Kubernetes requires a liveness success threshold of 1', () => {
    const schema = catalog.parameterSchema(validatorK8s, 'create') as any;
    expect(schema.properties.liveness.properties.success_threshold.description).toMatch(/Kubernetes requires .*1/);
    const aws = catalog.parameterSchema(validatorAws, 'create') as any;
    expect(aws.properties.liveness.properties.success_threshold.description).not.toMatch(/Kubernetes/);
  });

  it('needs nothing on update, and offers allow_data_volume_replacement only there', () => {
    expect(errorsOf(validatorK8s, { allow_data_volume_replacement: true }, 'update')).toEqual([]);
    expect(errorsOf(validatorK8s, { fee_recipient: EXAMPLE_FEE_RECIPIENT, allow_data_volume_replacement: true })[0]?.field).toBe(
      'allow_data_volume_replacement',
    );
  });

  it('validates bind scopes structurally', () => {
    const result = catalog.validateParameters(validatorK8s, { scopes: ['pool:validator.x:read.basic', 'has space'] }, 'bind');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]!.field).toBe('scopes[1]');
  });

  it('reports every error in one OSB description line', () => {
    const errors = errorsOf(validatorK8s, { graffiti: 'x'.repeat(40), execution_storage_gi: 1 });
    expect(describeParameterErrors(errors)).toMatch(/^Invalid parameters: .*fee_recipient is required.*; .*graffiti.*; .*execution_storage_gi/);
  });

  it('compiles each shared schema once', () => {
    const a = catalog.parameterSchema(plan('geth-teku-validator-kubernetes-mainnet'), 'create');
    const b = catalog.parameterSchema(plan('besu-nimbus-validator-kubernetes-mainnet'), 'create');
    expect(a).toBe(b);
  });
});
