/**
 * A hand-written topology (geth + lighthouse validator + mev-boost) for testing the target
 * constructs on their own, independent of the client definitions.
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import type { Component, ContainerSpec, NodeTopology, ProbeSpec } from '../../modules/clients/types';

const probe = (port: number, path: string, successThreshold = 1): ProbeSpec => ({
  type: 'http',
  port,
  path,
  initialDelaySeconds: 300,
  periodSeconds: 30,
  timeoutSeconds: 4,
  failureThreshold: 4,
  successThreshold,
});

/** The validator's key set: a Kubernetes Secret, or (AWS) a Secrets Manager secret. */
export type FixtureKeys = 'kubernetes' | 'aws';

export function fixtureContainers(hostOf: (component: Component) => string, keys: FixtureKeys = 'kubernetes'): ContainerSpec[] {
  return [
    {
      component: 'execution',
      client: 'geth',
      version: 'v1.16.7',
      image: 'ethereum/client-go:v1.16.7',
      command: [],
      args: [
        '--mainnet',
        '--datadir=/data',
        '--http',
        '--http.addr=0.0.0.0',
        '--authrpc.addr=0.0.0.0',
        '--authrpc.jwtsecret=/secrets/jwt.hex',
        // A literal `${` must reach the container, not Terraform.
        '--identity=node-${literal}',
        "--graffiti=it's",
      ],
      env: { GETH_EXAMPLE: 'x' },
      ports: [
        { name: 'http', port: 8545, protocol: 'TCP', exposure: 'rpc' },
        { name: 'ws', port: 8546, protocol: 'TCP', exposure: 'rpc' },
        { name: 'engine', port: 8551, protocol: 'TCP', exposure: 'engine' },
        { name: 'metrics', port: 6060, protocol: 'TCP', exposure: 'metrics', path: '/debug/metrics/prometheus' },
        { name: 'p2p-tcp', port: 30303, protocol: 'TCP', exposure: 'p2p' },
        { name: 'p2p-udp', port: 30303, protocol: 'UDP', exposure: 'p2p' },
      ],
      dataVolume: { name: 'data', mountPath: '/data', sizeGi: 2000 },
      secretMounts: [{ source: { kind: 'jwt' }, mountPath: '/secrets/jwt.hex' }],
      resources: { cpuRequest: '4', cpuLimit: '8', memoryRequest: '16Gi', memoryLimit: '32Gi' },
      liveness: probe(8545, '/'),
      readiness: probe(8545, '/', 2),
      initContainers: [],
      terminationGracePeriodSeconds: 300,
      runAsUser: 1000,
    },
    {
      component: 'beacon',
      client: 'lighthouse',
      version: 'v8.0.0',
      image: 'sigp/lighthouse:v8.0.0',
      command: ['lighthouse'],
      args: [
        'beacon_node',
        '--network=mainnet',
        '--datadir=/data',
        `--execution-endpoint=http://${hostOf('execution')}:8551`,
        '--execution-jwt=/secrets/jwt.hex',
        `--builder=http://${hostOf('mev-boost')}:18550`,
      ],
      env: {},
      ports: [
        { name: 'http', port: 5052, protocol: 'TCP', exposure: 'rpc' },
        { name: 'metrics', port: 5054, protocol: 'TCP', exposure: 'metrics', path: '/metrics' },
        { name: 'p2p-tcp', port: 9000, protocol: 'TCP', exposure: 'p2p' },
        { name: 'p2p-udp', port: 9000, protocol: 'UDP', exposure: 'p2p' },
        { name: 'quic', port: 9001, protocol: 'UDP', exposure: 'p2p' },
      ],
      dataVolume: { name: 'data', mountPath: '/data', sizeGi: 300 },
      secretMounts: [{ source: { kind: 'jwt' }, mountPath: '/secrets/jwt.hex' }],
      resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
      liveness: probe(5052, '/eth/v1/node/health'),
      initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c'], args: ['true'] }],
      terminationGracePeriodSeconds: 120,
    },
    {
      component: 'validator',
      client: 'lighthouse',
      version: 'v8.0.0',
      image: 'sigp/lighthouse:v8.0.0',
      command: ['lighthouse'],
      args: ['validator_client', `--beacon-nodes=http://${hostOf('beacon')}:5052`],
      env: {},
      ports: [{ name: 'metrics', port: 5064, protocol: 'TCP', exposure: 'metrics', path: '/metrics' }],
      dataVolume: { name: 'data', mountPath: '/data', sizeGi: 1 },
      secretMounts: [
        {
          source:
            keys === 'aws'
              ? { kind: 'aws-secret', secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ovsb/keys-AbCdEf' }
              : { kind: 'external', secretName: 'validator-keys' },
          mountPath: '/keys',
        },
      ],
      resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      initContainers: [],
      terminationGracePeriodSeconds: 60,
    },
    {
      component: 'mev-boost',
      client: 'mev-boost',
      version: '1.9',
      image: 'flashbots/mev-boost:1.9',
      command: [],
      args: ['-mainnet', '-addr', '0.0.0.0:18550'],
      env: {},
      ports: [{ name: 'http', port: 18550, protocol: 'TCP', exposure: 'internal' }],
      secretMounts: [],
      resources: { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
      liveness: { type: 'tcp', port: 18550, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
      initContainers: [],
      terminationGracePeriodSeconds: 10,
    },
  ];
}

export function fixtureTopology(hostOf: (component: Component) => string, keys: FixtureKeys = 'kubernetes'): NodeTopology {
  return {
    network: 'mainnet',
    containers: fixtureContainers(hostOf, keys),
    endpoints: {
      executionHttp: { component: 'execution', port: 8545, scheme: 'http' },
      executionWs: { component: 'execution', port: 8546, scheme: 'ws' },
      beaconApi: { component: 'beacon', port: 5052, scheme: 'http' },
      metrics: {
        execution: { component: 'execution', port: 6060, scheme: 'http', path: '/debug/metrics/prometheus' },
        beacon: { component: 'beacon', port: 5054, scheme: 'http', path: '/metrics' },
      },
      mevBoost: { component: 'mev-boost', port: 18550, scheme: 'http' },
    },
  };
}

/** A throwaway stack to put one construct in. */
export function testStack(): TerraformStack {
  return new TerraformStack(new App({ skipValidation: true }), 'test');
}

// Terraform JSON is untyped data: tests walk it with these small readers.
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function resourcesOf(json: Json, type: string): Json[] {
  return Object.values((json.resource?.[type] ?? {}) as Json);
}

let resolved = 0;
/** The Terraform expression a token stands for, read back through an output of the stack. */
export function resolve(stack: TerraformStack, value: unknown): unknown {
  const id = `resolved_${++resolved}`;
  new TerraformOutput(stack, id, { value });
  return (stack.toTerraform() as Json).output[id].value;
}
