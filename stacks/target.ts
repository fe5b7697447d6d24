/**
 * Where a stack's containers go: each target's host names (decided before the topology is built,
 * since the clients' flags name their peers), its provider, and its construct.
 *
 * Construct ids: the provider is `kubernetes` or `aws` (none for the sandbox); the target construct
 * is `node`.
 */
import { TerraformOutput, type TerraformStack } from 'cdktf';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { Component, NodeTopology, ServiceEndpoint } from '../modules/clients/types';
import { KubernetesNode } from '../modules/kubernetes/node';
import { kubernetesHostOf, kubernetesNamespace } from '../modules/kubernetes/names';
import { AwsNode } from '../modules/aws/node';
import { awsHostOf } from '../modules/aws/host';
import { SANDBOX_NOTICE, SandboxNode, sandboxHostOf } from '../modules/sandbox/node';
import { ConfigError } from '../src/errors';
import type { StackCommonProps } from './props';

/** What a stack needs from the target construct to declare its outputs. */
export interface TargetNode {
  /** The URL a consumer binds to for an endpoint. */
  url(endpoint: ServiceEndpoint): string;
  /** Whether consumers outside the instance can reach the endpoint (AWS publishes only rpc/metrics ports). */
  publishes(endpoint: ServiceEndpoint): boolean;
  /** The Engine API secret when Terraform knows it (Kubernetes, sandbox; the AWS host keeps its own). */
  readonly jwtSecret?: string;
}

const DEFAULT_AWS_REGION = 'us-east-1';
const INSTANCE_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** Refuses an instance name that cannot name namespaces, hosts and resources. */
export function validateInstanceName(instanceName: string): void {
  if (!INSTANCE_NAME.test(instanceName)) {
    throw new ConfigError(
      'stack props',
      'instanceName',
      `"${instanceName}" is not a DNS label of at most 40 characters ([a-z0-9-], starting and ending alphanumeric); pick such a name`,
    );
  }
}

/** How one component reaches another on the target; pass to `buildNodeTopology`. */
export function targetHostOf(props: StackCommonProps): (component: Component) => string {
  switch (props.target) {
    case 'kubernetes':
      return kubernetesHostOf(props.instanceName, kubernetesNamespace(props.instanceName, props.kubernetes));
    case 'aws':
      return awsHostOf;
    case 'sandbox':
      return sandboxHostOf(props.instanceName);
  }
}

/** Declares the provider, the target construct (`node`) and the target's own outputs. */
export interface DeployOptions {
  /**
   * The readiness app_start_timeout_sec. Kubernetes: apply waits this long for the workloads to become
   * ready. AWS: the host's readiness prober logs a container still not ready this long after it started
   * as failed (apply never waits on the host). @default no deadline (a node may sync for hours)
   */
  readonly rolloutTimeoutSeconds?: number;
}

export function deployToTarget(
  stack: TerraformStack,
  props: StackCommonProps,
  topology: Pick<NodeTopology, 'network' | 'containers'>,
  options: DeployOptions = {},
): TargetNode {
  const { instanceName } = props;
  switch (props.target) {
    case 'kubernetes': {
      const context = props.kubernetes?.configContext;
      new KubernetesProvider(stack, 'kubernetes', context ? { configContext: context } : {});
      const node = new KubernetesNode(stack, 'node', {
        instanceName,
        topology,
        ...(props.kubernetes ? { target: props.kubernetes } : {}),
        ...(options.rolloutTimeoutSeconds !== undefined && { rolloutTimeoutSeconds: options.rolloutTimeoutSeconds }),
      });
      new TerraformOutput(stack, 'namespace', { value: node.namespace, description: 'Kubernetes namespace of the instance' });
      return node;
    }
    case 'aws': {
      new AwsProvider(stack, 'aws', {
        region: props.aws?.region ?? DEFAULT_AWS_REGION,
        defaultTags: [{ tags: { 'managed-by': 'ovsb', 'ovsb-instance': instanceName } }],
      });
      const node = new AwsNode(stack, 'node', {
        instanceName,
        topology,
        ...(props.aws ? { target: props.aws } : {}),
        ...(options.rolloutTimeoutSeconds !== undefined && { readinessStartTimeoutSeconds: options.rolloutTimeoutSeconds }),
      });
      new TerraformOutput(stack, 'instance_id', {
        value: node.instance.id,
        description: 'EC2 instance id (operators reach the host with SSM Session Manager: aws ssm start-session --target <id>)',
      });
      new TerraformOutput(stack, 'host_private_ip', {
        value: node.privateIp,
        description: 'private address of the host (its network interface: kept when the instance is replaced)',
      });
      if (node.publicIp !== undefined) {
        new TerraformOutput(stack, 'host_public_ip', {
          value: node.publicIp,
          description: 'public address of the host (an Elastic IP; P2P only: RPC and metrics are limited to rpcAllowedCidrs, the VPC by default)',
        });
      }
      return node;
    }
    case 'sandbox': {
      const node = new SandboxNode(stack, 'node', { instanceName, topology });
      new TerraformOutput(stack, 'notice', { value: SANDBOX_NOTICE, description: 'nothing runs behind these endpoints' });
      return node;
    }
  }
}
