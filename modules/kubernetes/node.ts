/**
 * A node topology on Kubernetes.
 *
 * Construct ids (a contract: they become Terraform addresses):
 * - `namespace`                       namespace_v1, unless the operator names an existing namespace
 * - `jwt` / `jwt-secret`              generated JWT (terraform_data) and the Secret holding it
 * - `<component>`                     stateful_set_v1, one per container, with a volume claim template
 * - `<component>-service`             service_v1 ClusterIP for peers, metrics and the Engine API
 * - `<component>-rpc-service`         service_v1 ClusterIP, readiness-gated, for consumers (rpc ports only)
 * - `<component>-network-policy`      network_policy_v1 limiting engine/internal ports to this instance
 *
 * Networking: peers reach each other through `<instance>-<component>` Services, which publish
 * not-ready pods (an execution client is not ready until its beacon node drives it, so gating the
 * Engine API on readiness would deadlock the pair). Consumers get the readiness-gated `-rpc`
 * Services. P2P ports use hostPort on the node instead of a Service: the advertised port stays the
 * container's own, and no cloud LoadBalancer is needed.
 */
import { Construct } from 'constructs';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import type * as StatefulSetModule from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import type { Component, ContainerPort, ContainerSpec, NodeTopology, ServiceEndpoint } from '../clients/types';
import type { KubernetesTargetProps } from '../../stacks/props';
import { GeneratedJwtSecret, JWT_SECRET_KEY } from '../sandbox/builtins';
import { findPort } from '../sandbox/endpoints';
import {
  kubernetesHostOf,
  kubernetesJwtSecretName,
  kubernetesNamespace,
  kubernetesRpcHost,
  kubernetesRpcServiceName,
  kubernetesWorkloadName,
  labelValue,
} from './names';
import { podSpec } from './pod';

export interface KubernetesNodeProps {
  /** DNS-label-safe instance name; prefixes every object name. */
  readonly instanceName: string;
  /** A NodeTopology, or any set of containers (the MEV-Boost stack passes mev-boost alone). */
  readonly topology: Pick<NodeTopology, 'network' | 'containers'>;
  /** @default {} (namespace `ovsb-<instanceName>`, the cluster's default StorageClass) */
  readonly target?: KubernetesTargetProps;
  /**
   * Wait for each StatefulSet's rollout, failing after this many seconds (create and update).
   * @default no wait: a node may sync for hours before it is ready
   */
  readonly rolloutTimeoutSeconds?: number;
}

const MANAGED_BY = 'ovsb';

/**
 * The StatefulSet bindings alone take ~100 ms to load (the rest of this file's imports ~20 ms):
 * loaded on first use so that processes synthesising only sandbox or AWS plans never pay for them.
 */
function statefulSetV1(): typeof StatefulSetModule.StatefulSetV1 {
  return (require('@cdktf/provider-kubernetes/lib/stateful-set-v1') as typeof StatefulSetModule).StatefulSetV1;
}

export class KubernetesNode extends Construct {
  readonly namespace: string;
  /** The generated Engine API secret; absent when no container mounts it. */
  readonly jwtSecret?: string;
  private readonly instanceName: string;
  /** The namespace's plain name (`namespace` above is a reference that orders resources). */
  private readonly namespaceName: string;
  private readonly hostOf: (component: Component) => string;
  private readonly containers: readonly ContainerSpec[];
  private readonly rolloutTimeoutSeconds: number | undefined;

  constructor(scope: Construct, id: string, props: KubernetesNodeProps) {
    super(scope, id);
    const { instanceName } = props;
    const target = props.target ?? {};
    this.instanceName = instanceName;
    this.containers = props.topology.containers;
    this.rolloutTimeoutSeconds = props.rolloutTimeoutSeconds;
    this.namespaceName = kubernetesNamespace(instanceName, target);
    this.hostOf = kubernetesHostOf(instanceName, this.namespaceName);

    // Referencing the namespace resource (rather than the plain name) orders creation and deletion.
    this.namespace =
      target.namespace ??
      new NamespaceV1(this, 'namespace', {
        metadata: {
          name: this.namespaceName,
          labels: { 'app.kubernetes.io/instance': instanceName, 'app.kubernetes.io/managed-by': MANAGED_BY },
        },
      }).metadata.name;

    const jwtSecretName = kubernetesJwtSecretName(instanceName);
    if (this.containers.some((container) => container.secretMounts.some((mount) => mount.source.kind === 'jwt'))) {
      const jwt = new GeneratedJwtSecret(this, 'jwt');
      this.jwtSecret = jwt.value;
      new SecretV1(this, 'jwt-secret', {
        metadata: {
          name: jwtSecretName,
          namespace: this.namespace,
          labels: { 'app.kubernetes.io/instance': instanceName, 'app.kubernetes.io/managed-by': MANAGED_BY },
        },
        type: 'Opaque',
        data: { [JWT_SECRET_KEY]: jwt.value },
      });
    }

    for (const container of this.containers) {
      this.addWorkload(instanceName, container, jwtSecretName, target.storageClassName);
    }
  }

  /** The URL a consumer uses for an endpoint: readiness-gated for RPC ports, the peer Service otherwise. */
  /** Every port has a Service in the namespace. */
  publishes(endpoint: ServiceEndpoint): boolean {
    findPort(this.containers, endpoint);
    return true;
  }

  url(endpoint: ServiceEndpoint): string {
    const { port, container } = findPort(this.containers, endpoint);
    const host =
      port.exposure === 'rpc'
        ? kubernetesRpcHost(this.instanceName, this.namespaceName, container.component)
        : this.hostOf(container.component);
    return `${endpoint.scheme}://${host}:${endpoint.port}${endpoint.path ?? ''}`;
  }

  private addWorkload(
    instanceName: string,
    container: ContainerSpec,
    jwtSecretName: string,
    storageClassName: string | undefined,
  ): void {
    const { component } = container;
    const name = kubernetesWorkloadName(instanceName, component);
    // Selectors are immutable: only labels that never change for a workload go in them.
    const selector = {
      'app.kubernetes.io/instance': instanceName,
      'app.kubernetes.io/component': component,
    };
    const labels = {
      ...selector,
      'app.kubernetes.io/name': labelValue(container.client),
      'app.kubernetes.io/version': labelValue(container.version),
      'app.kubernetes.io/managed-by': MANAGED_BY,
    };
    const clusterPorts = container.ports.filter((port) => port.exposure !== 'p2p');
    const rpcPorts = container.ports.filter((port) => port.exposure === 'rpc');

    const StatefulSetV1 = statefulSetV1();
    new StatefulSetV1(this, component, {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        replicas: '1',
        serviceName: name,
        selector: { matchLabels: selector },
        updateStrategy: [{ type: 'RollingUpdate' }],
        template: { metadata: { labels }, spec: podSpec(container, jwtSecretName) },
        volumeClaimTemplate: container.dataVolume
          ? [
              {
                metadata: { name: container.dataVolume.name, labels: selector },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  ...(storageClassName ? { storageClassName } : {}),
                  resources: { requests: { storage: `${container.dataVolume.sizeGi}Gi` } },
                },
              },
            ]
          : [],
      },
      // By default apply does not wait: a node syncs for hours before it is ready. The operator's readiness
      // app_start_timeout_sec asks to wait that long for the pods to pass their readiness probes.
      ...(this.rolloutTimeoutSeconds === undefined
        ? { waitForRollout: false }
        : { waitForRollout: true, timeouts: { create: `${this.rolloutTimeoutSeconds}s`, update: `${this.rolloutTimeoutSeconds}s` } }),
    });

    if (clusterPorts.length > 0) {
      new ServiceV1(this, `${component}-service`, {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          type: 'ClusterIP',
          selector,
          publishNotReadyAddresses: true,
          port: clusterPorts.map(servicePort),
        },
      });
    }
    if (rpcPorts.length > 0) {
      new ServiceV1(this, `${component}-rpc-service`, {
        metadata: { name: kubernetesRpcServiceName(instanceName, component), namespace: this.namespace, labels },
        spec: { type: 'ClusterIP', selector, port: rpcPorts.map(servicePort) },
      });
    }
    this.addNetworkPolicy(instanceName, container, selector, labels);
  }

  /**
   * The Engine API admits only this instance's beacon node and `internal` ports only this instance's
   * pods; every other port stays open (P2P to the world, RPC and metrics to the cluster).
   */
  private addNetworkPolicy(
    instanceName: string,
    container: ContainerSpec,
    selector: Readonly<Record<string, string>>,
    labels: Readonly<Record<string, string>>,
  ): void {
    const engine = container.ports.filter((port) => port.exposure === 'engine');
    const internal = container.ports.filter((port) => port.exposure === 'internal');
    const open = container.ports.filter((port) => port.exposure !== 'engine' && port.exposure !== 'internal');
    if (engine.length === 0 && internal.length === 0) return;
    const ingress = [];
    if (engine.length > 0) {
      ingress.push({
        from: [
          {
            podSelector: {
              matchLabels: { 'app.kubernetes.io/instance': instanceName, 'app.kubernetes.io/component': 'beacon' },
            },
          },
        ],
        ports: engine.map(policyPort),
      });
    }
    if (internal.length > 0) {
      ingress.push({
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': instanceName } } }],
        ports: internal.map(policyPort),
      });
    }
    if (open.length > 0) ingress.push({ ports: open.map(policyPort) });
    new NetworkPolicyV1(this, `${container.component}-network-policy`, {
      metadata: { name: kubernetesWorkloadName(instanceName, container.component), namespace: this.namespace, labels },
      spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress'], ingress },
    });
  }
}

function servicePort(port: ContainerPort) {
  return { name: port.name, port: port.port, targetPort: port.name, protocol: port.protocol };
}

function policyPort(port: ContainerPort) {
  return { port: String(port.port), protocol: port.protocol };
}
