/**
 * Small hand-made synthesised stacks in cdktf's JSON layout (snake_case attributes, `//` metadata), one
 * per target, with knobs for what the tests change.
 */
import type { StackConfig } from '../../src/review/diff';

const meta = (stack: string, path: string, uniqueId: string) => ({ '//': { metadata: { path: `${stack}/${path}`, uniqueId } } });

export interface KubernetesKnobs {
  readonly gethTag?: string;
  readonly storage?: string;
  readonly storageClass?: string;
  readonly namespace?: string;
  readonly args?: readonly string[];
  /** Leave the execution StatefulSet out. */
  readonly withoutExecution?: boolean;
}

export function kubernetesStack(stack: string, knobs: KubernetesKnobs = {}): StackConfig {
  const namespace = knobs.namespace ?? 'ovsb-i-abc';
  const execution = {
    metadata: {
      name: 'i-abc-execution',
      namespace: '${kubernetes_namespace_v1.node_namespace_11111111.metadata[0].name}',
      labels: { 'app.kubernetes.io/version': knobs.gethTag ?? 'v1.16.7' },
    },
    spec: {
      replicas: '1',
      service_name: 'i-abc-execution',
      selector: { match_labels: { 'app.kubernetes.io/component': 'execution' } },
      template: {
        spec: {
          container: [
            {
              name: 'execution',
              image: `ethereum/client-go:${knobs.gethTag ?? 'v1.16.7'}`,
              args: knobs.args ?? ['--hoodi', '--http', '--http.addr=0.0.0.0'],
              port: [
                { name: 'rpc', container_port: 8545 },
                { name: 'engine', container_port: 8551 },
              ],
            },
          ],
        },
      },
      volume_claim_template: [
        {
          metadata: { name: 'data' },
          spec: {
            access_modes: ['ReadWriteOnce'],
            ...(knobs.storageClass ? { storage_class_name: knobs.storageClass } : {}),
            resources: { requests: { storage: knobs.storage ?? '1000Gi' } },
          },
        },
      ],
    },
    ...meta(stack, 'node/execution', 'node_execution_22222222'),
  };
  return {
    '//': { metadata: { version: '0.21.0', stackName: stack, backend: 'local' } },
    terraform: { backend: { local: { path: 'terraform.tfstate' } } },
    provider: { kubernetes: [{}] },
    resource: {
      kubernetes_namespace_v1: { node_namespace_11111111: { metadata: { name: namespace }, ...meta(stack, 'node/namespace', 'node_namespace_11111111') } },
      kubernetes_stateful_set_v1: knobs.withoutExecution ? {} : { node_execution_22222222: execution },
      kubernetes_service_v1: {
        'node_execution-service_33333333': {
          metadata: { name: 'i-abc-execution', namespace: '${kubernetes_namespace_v1.node_namespace_11111111.metadata[0].name}' },
          spec: { port: [{ name: 'rpc', port: 8545 }] },
          ...meta(stack, 'node/execution-service', 'node_execution-service_33333333'),
        },
      },
    },
    output: { execution_version: { value: knobs.gethTag ?? 'v1.16.7' } },
  };
}

export interface AwsKnobs {
  readonly gethTag?: string;
  readonly sizeGi?: number;
  readonly availabilityZone?: string;
  readonly ami?: string;
}

export function awsStack(stack: string, knobs: AwsKnobs = {}): StackConfig {
  return {
    terraform: { backend: { local: { path: 'terraform.tfstate' } } },
    locals: {
      node_user_data_44444444: [
        '#!/bin/bash',
        'set -eu',
        `docker run -d --name execution ethereum/client-go:${knobs.gethTag ?? 'v1.16.7'} --hoodi --http`,
        'docker run -d --name beacon sigp/lighthouse:v8.0.0 lighthouse bn',
      ].join('\n'),
    },
    resource: {
      aws_instance: {
        node_instance_55555555: {
          ami: knobs.ami ?? 'ami-1',
          instance_type: 'm6i.2xlarge',
          user_data_base64: '${base64gzip(local.node_user_data_44444444)}',
          user_data_replace_on_change: true,
          lifecycle: { ignore_changes: ['ami'] },
          ...meta(stack, 'node/instance', 'node_instance_55555555'),
        },
      },
      aws_ebs_volume: {
        'node_data-volume_66666666': {
          availability_zone: knobs.availabilityZone ?? 'us-east-1a',
          size: knobs.sizeGi ?? 2000,
          type: 'gp3',
          encrypted: true,
          ...meta(stack, 'node/data-volume', 'node_data-volume_66666666'),
        },
      },
      aws_volume_attachment: {
        'node_data-attachment_77777777': {
          device_name: '/dev/sdf',
          instance_id: '${aws_instance.node_instance_55555555.id}',
          volume_id: '${aws_ebs_volume.node_data-volume_66666666.id}',
          ...meta(stack, 'node/data-attachment', 'node_data-attachment_77777777'),
        },
      },
    },
    output: { host_private_ip: { value: '${aws_instance.node_instance_55555555.private_ip}' } },
  };
}

export interface SandboxKnobs {
  readonly gethTag?: string;
  readonly sizeGi?: number;
}

export function sandboxStack(stack: string, knobs: SandboxKnobs = {}): StackConfig {
  return {
    terraform: { backend: { local: { path: 'terraform.tfstate' } } },
    resource: {
      terraform_data: {
        node_execution_88888888: {
          input: {
            component: 'execution',
            client: 'geth',
            version: knobs.gethTag ?? 'v1.16.7',
            image: `ethereum/client-go:${knobs.gethTag ?? 'v1.16.7'}`,
            data_volume: { name: 'data', mount_path: '/data', size_gi: knobs.sizeGi ?? 1000 },
          },
          ...meta(stack, 'node/execution', 'node_execution_88888888'),
        },
      },
    },
  };
}
