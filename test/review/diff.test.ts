import { describe, expect, it } from 'vitest';
import { diffStack, diffStackSets, type StackDiff } from '../../src/review/diff';
import { awsStack, kubernetesStack, sandboxStack } from './fixtures';

const K = 'geth-lighthouse-validator-kubernetes-hoodi';
const A = 'geth-lighthouse-validator-aws-hoodi';
const S = 'geth-lighthouse-validator-sandbox-hoodi';

const block = (diff: StackDiff | undefined, label: string) => diff?.blocks.find((b) => b.label === label);
const kinds = (diff: StackDiff | undefined) => diff?.findings.map((f) => f.kind).sort();

describe('diffStack: kubernetes', () => {
  it('GIVEN the same configuration THEN no diff', () => {
    expect(diffStack(K, kubernetesStack(K), kubernetesStack(K))).toBeUndefined();
  });

  it('GIVEN a client image tag change THEN an in-place update with the image path and a client-version finding, nothing destructive', () => {
    const diff = diffStack(K, kubernetesStack(K), kubernetesStack(K, { gethTag: 'v1.16.8' }));
    const sts = block(diff, 'node/execution');
    expect(sts?.action).toBe('update');
    expect(sts?.changes.map((c) => c.path)).toEqual([
      'metadata.labels.app.kubernetes.io/version',
      'spec.template.spec.container[execution].image',
    ]);
    expect(diff?.images).toEqual([{ repository: 'ethereum/client-go', before: 'v1.16.7', after: 'v1.16.8', note: 'takes in security or high-urgency release v1.16.8' }]);
    expect(diff?.findings).toEqual([{ kind: 'client-version', address: 'kubernetes_stateful_set_v1.node_execution_22222222', message: 'ethereum/client-go v1.16.7 -> v1.16.8 (takes in security or high-urgency release v1.16.8)' }]);
    expect(diff?.destructive).toBe(false);
    expect(diff?.counts).toEqual({ create: 0, update: 1, replace: 0, delete: 0 });
    expect(block(diff, 'output.execution_version')?.changes[0]).toMatchObject({ before: 'v1.16.7', after: 'v1.16.8' });
  });

  it('GIVEN a volume claim template size change THEN the StatefulSet is replaced and the change is DESTRUCTIVE with old -> new size', () => {
    const diff = diffStack(K, kubernetesStack(K), kubernetesStack(K, { storage: '1200Gi' }));
    const sts = block(diff, 'node/execution');
    expect(sts?.action).toBe('replace');
    expect(sts?.reasons).toEqual(['spec.volume_claim_template changed']);
    expect(sts?.changes).toMatchObject([
      { kind: 'changed', path: 'spec.volume_claim_template[data].spec.resources.requests.storage', before: '1000Gi', after: '1200Gi' },
    ]);
    expect(diff?.destructive).toBe(true);
    const [finding] = diff!.findings;
    expect(finding?.kind).toBe('destructive');
    expect(finding?.message).toContain('node/execution (kubernetes_stateful_set_v1, StatefulSet with data volumes) is replaced');
    expect(finding?.message).toContain('spec.volume_claim_template[data].spec.resources.requests.storage 1000Gi -> 1200Gi');
  });

  it('GIVEN a storage class set THEN DESTRUCTIVE', () => {
    const diff = diffStack(K, kubernetesStack(K), kubernetesStack(K, { storageClass: 'fast-nvme' }));
    expect(diff?.destructive).toBe(true);
    expect(diff?.findings[0]?.message).toContain('storage_class_name added');
  });

  it('GIVEN a flag change THEN an update listing the flags, not destructive', () => {
    const diff = diffStack(K, kubernetesStack(K), kubernetesStack(K, { args: ['--hoodi', '--http', '--http.addr=0.0.0.0', '--cache=4096'] }));
    expect(block(diff, 'node/execution')?.changes).toMatchObject([
      { kind: 'items', path: 'spec.template.spec.container[execution].args', removed: [], added: ['--cache=4096'] },
    ]);
    expect(diff?.findings).toEqual([]);
  });

  it('GIVEN the StatefulSet removed THEN it is destroyed and DESTRUCTIVE', () => {
    const diff = diffStack(K, kubernetesStack(K), kubernetesStack(K, { withoutExecution: true }));
    expect(block(diff, 'node/execution')?.action).toBe('delete');
    expect(diff?.findings).toMatchObject([{ kind: 'destructive', message: expect.stringContaining('is destroyed') }]);
  });

  it('GIVEN a namespace rename THEN the namespace and everything placed in it by reference are replaced, DESTRUCTIVE', () => {
    const diff = diffStack(K, kubernetesStack(K), kubernetesStack(K, { namespace: 'team-a' }));
    expect(block(diff, 'node/namespace')?.action).toBe('replace');
    expect(block(diff, 'node/execution')?.action).toBe('replace');
    expect(block(diff, 'node/execution')?.reasons).toEqual(['metadata.namespace refers to node/namespace, which is replaced']);
    expect(block(diff, 'node/execution-service')?.action).toBe('replace');
    expect(kinds(diff)).toEqual(['destructive', 'destructive', 'replacement']);
  });
});

describe('diffStack: aws', () => {
  it('GIVEN a client version in the user data THEN the instance and its attachment are replaced, the EBS volume kept', () => {
    const diff = diffStack(A, awsStack(A), awsStack(A, { gethTag: 'v1.16.8' }));
    expect(block(diff, 'local.node_user_data_44444444')?.changes).toMatchObject([
      { kind: 'lines', removed: ['docker run -d --name execution ethereum/client-go:v1.16.7 --hoodi --http'], added: ['docker run -d --name execution ethereum/client-go:v1.16.8 --hoodi --http'] },
    ]);
    expect(block(diff, 'node/instance')).toMatchObject({ action: 'replace', reasons: ['user_data_base64 uses local.node_user_data_44444444, which changed'] });
    expect(block(diff, 'node/data-attachment')).toMatchObject({ action: 'replace', reasons: ['instance_id refers to node/instance, which is replaced'] });
    expect(block(diff, 'node/data-volume')).toBeUndefined();
    expect(diff?.images).toEqual([{ repository: 'ethereum/client-go', before: 'v1.16.7', after: 'v1.16.8', note: 'takes in security or high-urgency release v1.16.8' }]);
    expect(diff?.destructive).toBe(false);
    expect(kinds(diff)).toEqual(['client-version', 'replacement', 'replacement']);
  });

  it('GIVEN an EBS volume growing THEN an in-place resize, not destructive', () => {
    const diff = diffStack(A, awsStack(A), awsStack(A, { sizeGi: 2500 }));
    expect(block(diff, 'node/data-volume')?.action).toBe('update');
    expect(diff?.findings).toMatchObject([{ kind: 'volume-resize', message: expect.stringContaining('size 2000 -> 2500') }]);
    expect(diff?.destructive).toBe(false);
  });

  it('GIVEN an EBS volume shrinking THEN DESTRUCTIVE', () => {
    expect(diffStack(A, awsStack(A), awsStack(A, { sizeGi: 1500 }))?.findings).toMatchObject([
      { kind: 'destructive', message: expect.stringContaining('cannot shrink') },
    ]);
  });

  it('GIVEN an EBS volume moved to another availability zone THEN it is replaced: DESTRUCTIVE, and its attachment replaced too', () => {
    const diff = diffStack(A, awsStack(A), awsStack(A, { availabilityZone: 'us-east-1b' }));
    expect(block(diff, 'node/data-volume')).toMatchObject({ action: 'replace', reasons: ['availability_zone changed'] });
    expect(block(diff, 'node/data-attachment')?.action).toBe('replace');
    expect(diff?.destructive).toBe(true);
  });

  it('GIVEN the network interface moved to another subnet THEN it and the instance using it are replaced, the EBS volume kept', () => {
    const withInterface = (subnet: string) => {
      const stack = awsStack(A) as { resource: Record<string, Record<string, Record<string, unknown>>> };
      const instance = stack.resource['aws_instance']!['node_instance_55555555']!;
      return {
        ...stack,
        resource: {
          ...stack.resource,
          aws_instance: {
            node_instance_55555555: { ...instance, primary_network_interface: { network_interface_id: '${aws_network_interface.node_network-interface_88888888.id}' } },
          },
          aws_network_interface: {
            'node_network-interface_88888888': {
              subnet_id: subnet,
              '//': { metadata: { path: `${A}/node/network-interface`, uniqueId: 'node_network-interface_88888888' } },
            },
          },
        },
      };
    };
    const diff = diffStack(A, withInterface('subnet-a'), withInterface('subnet-b'));
    expect(block(diff, 'node/network-interface')).toMatchObject({ action: 'replace', reasons: ['subnet_id changed'] });
    expect(block(diff, 'node/instance')?.action).toBe('replace');
    expect(block(diff, 'node/data-volume')).toBeUndefined();
    expect(diff?.destructive).toBe(false);
  });

  it('GIVEN a change of an attribute in lifecycle.ignore_changes THEN nothing changes', () => {
    expect(diffStack(A, awsStack(A), awsStack(A, { ami: 'ami-2' }))).toBeUndefined();
  });
});

describe('diffStack: sandbox', () => {
  it('GIVEN a data volume size in a sandbox record THEN DESTRUCTIVE (the same change replaces real volumes)', () => {
    const diff = diffStack(S, sandboxStack(S), sandboxStack(S, { sizeGi: 1200 }));
    expect(diff?.destructive).toBe(true);
    expect(diff?.findings[0]?.message).toContain('input.data_volume.size_gi 1000 -> 1200');
  });

  it('GIVEN a version change in a sandbox record THEN a client-version finding', () => {
    expect(diffStack(S, sandboxStack(S), sandboxStack(S, { gethTag: 'v1.16.8' }))?.images).toEqual([
      { repository: 'ethereum/client-go', before: 'v1.16.7', after: 'v1.16.8', note: 'takes in security or high-urgency release v1.16.8' },
    ]);
  });
});

describe('diffStack: state backend', () => {
  it('GIVEN the backend moves from local to pg THEN a state-backend finding asks for a migration', () => {
    const base = sandboxStack(S);
    const head = { ...sandboxStack(S), terraform: { backend: { pg: { schema_name: 'team' } } } };
    const diff = diffStack(S, base, head);
    expect(diff?.findings).toEqual([
      {
        kind: 'state-backend',
        address: 'terraform',
        message: expect.stringMatching(/^the state backend changes \(backend.local removed; backend.pg added\): migrate the state first/),
      },
    ]);
    expect(diff?.destructive).toBe(false);
  });
});

describe('diffStackSets', () => {
  it('GIVEN stacks added, removed, changed and unchanged THEN each is classified', () => {
    const base = new Map([
      [K, kubernetesStack(K)],
      [A, awsStack(A)],
      [S, sandboxStack(S)],
    ]);
    const head = new Map([
      [K, kubernetesStack(K)],
      [S, sandboxStack(S, { gethTag: 'v1.16.8' })],
      ['team-stack', sandboxStack('team-stack')],
    ]);
    const diff = diffStackSets(base, head);
    expect(diff.unchanged).toEqual([K]);
    expect(diff.stacks.map((s) => [s.stack, s.status])).toEqual([
      [A, 'removed'],
      [S, 'changed'],
      ['team-stack', 'added'],
    ]);
    const removed = diff.stacks[0]!;
    expect(removed.counts).toEqual({ create: 0, update: 0, replace: 0, delete: 3 });
    expect(removed.findings).toMatchObject([{ kind: 'destructive', message: expect.stringContaining('leaves with the removed stack') }]);
    expect(diff.stacks[2]!.counts).toEqual({ create: 1, update: 0, replace: 0, delete: 0 });
    expect(diff.stacks[2]!.destructive).toBe(false);
    expect(diff).toMatchObject({ baseStackCount: 3, headStackCount: 3 });
  });
});
