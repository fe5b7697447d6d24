/**
 * A node topology with Terraform built-ins only: no nodes run. Each container's full spec is
 * recorded in a `terraform_data`, the JWT is generated exactly as on Kubernetes, and the endpoint
 * URLs have the shape the other targets give, on host names under the reserved `.invalid` TLD so
 * nothing can ever resolve them. It lets the whole broker loop (synth, init, apply, outputs,
 * destroy) run for real on a machine with no cloud and no cluster.
 *
 * Construct ids (a contract: they become Terraform addresses):
 * - `instance`       terraform_data: instance summary, labelled "no nodes run"
 * - `<component>`    terraform_data: one per container, its full spec
 * - `jwt`            the generated JWT (only when a container mounts it)
 */
import { Construct } from 'constructs';
import { DataResource } from 'cdktf';
import type { Component, ContainerSpec, NodeTopology, ProbeSpec, ServiceEndpoint } from '../clients/types';
import { GeneratedJwtSecret, terraformLiteral } from './builtins';
import { findPort } from './endpoints';

export interface SandboxNodeProps {
  /** DNS-label-safe instance name; part of every host name. */
  readonly instanceName: string;
  /** A NodeTopology, or any set of containers (the MEV-Boost stack passes mev-boost alone). */
  readonly topology: Pick<NodeTopology, 'network' | 'containers'>;
}

export const SANDBOX_NOTICE = 'sandbox: no nodes run';

/** Pass to `buildNodeTopology`: `<component>.<instanceName>.sandbox.invalid` (RFC 2606: never resolves). */
export function sandboxHostOf(instanceName: string): (component: Component) => string {
  return (component) => `${component}.${instanceName}.sandbox.invalid`;
}

function probeRecord(probe: ProbeSpec | undefined) {
  if (!probe) return undefined;
  return {
    type: probe.type,
    port: probe.port,
    path: probe.path === undefined ? undefined : terraformLiteral(probe.path),
    initial_delay_seconds: probe.initialDelaySeconds,
    period_seconds: probe.periodSeconds,
    timeout_seconds: probe.timeoutSeconds,
    failure_threshold: probe.failureThreshold,
    success_threshold: probe.successThreshold,
  };
}

const strings = (values: readonly string[]) => values.map(terraformLiteral);

/** Everything a real target would deploy for one container, as plain Terraform values. */
function containerRecord(container: ContainerSpec, host: string) {
  return {
    component: container.component,
    client: container.client,
    version: terraformLiteral(container.version),
    image: terraformLiteral(container.image),
    host,
    command: strings(container.command),
    args: strings(container.args),
    env: Object.fromEntries(Object.entries(container.env).map(([key, value]) => [key, terraformLiteral(value)])),
    ports: container.ports.map((port) => ({
      name: port.name,
      port: port.port,
      protocol: port.protocol,
      exposure: port.exposure,
      path: port.path === undefined ? undefined : terraformLiteral(port.path),
    })),
    data_volume: container.dataVolume && {
      name: container.dataVolume.name,
      mount_path: terraformLiteral(container.dataVolume.mountPath),
      size_gi: container.dataVolume.sizeGi,
    },
    secret_mounts: container.secretMounts.map((mount) => ({
      source:
        mount.source.kind === 'jwt'
          ? 'jwt'
          : mount.source.kind === 'external'
            ? `secret/${terraformLiteral(mount.source.secretName)}`
            : `aws-secret/${terraformLiteral(mount.source.secretId)}`,
      mount_path: terraformLiteral(mount.mountPath),
    })),
    resources: {
      cpu_request: container.resources.cpuRequest,
      cpu_limit: container.resources.cpuLimit,
      memory_request: container.resources.memoryRequest,
      memory_limit: container.resources.memoryLimit,
    },
    liveness: probeRecord(container.liveness),
    readiness: probeRecord(container.readiness),
    init_containers: container.initContainers.map((init) => ({
      name: init.name,
      image: terraformLiteral(init.image),
      command: strings(init.command),
      args: strings(init.args),
    })),
    termination_grace_period_seconds: container.terminationGracePeriodSeconds,
    run_as_user: container.runAsUser,
  };
}

export class SandboxNode extends Construct {
  /** The generated Engine API secret; absent when no container mounts it. */
  readonly jwtSecret?: string;
  private readonly containers: readonly ContainerSpec[];
  private readonly hostOf: (component: Component) => string;

  constructor(scope: Construct, id: string, props: SandboxNodeProps) {
    super(scope, id);
    const { containers, network } = props.topology;
    this.containers = containers;
    this.hostOf = sandboxHostOf(props.instanceName);

    new DataResource(this, 'instance', {
      input: {
        notice: SANDBOX_NOTICE,
        instance_name: props.instanceName,
        network,
        components: containers.map((container) => container.component),
      },
    });
    for (const container of containers) {
      new DataResource(this, container.component, {
        input: containerRecord(container, this.hostOf(container.component)),
      });
    }
    if (containers.some((container) => container.secretMounts.some((mount) => mount.source.kind === 'jwt'))) {
      this.jwtSecret = new GeneratedJwtSecret(this, 'jwt').value;
    }
  }

  /** The URL the endpoint would have: the component's host name and port. */
  /** Mirrors Kubernetes: every port of the instance is reachable by name. */
  publishes(endpoint: ServiceEndpoint): boolean {
    findPort(this.containers, endpoint);
    return true;
  }

  url(endpoint: ServiceEndpoint): string {
    // Refuses an endpoint no container declares, as the other targets do.
    findPort(this.containers, endpoint);
    return `${endpoint.scheme}://${this.hostOf(endpoint.component)}:${endpoint.port}${endpoint.path ?? ''}`;
  }
}
