/**
 * ContainerSpec -> Kubernetes pod template pieces. Pure data mapping; strings from the topology
 * pass through `terraformLiteral` because every string in .tf.json is a Terraform template.
 */
import type {
  StatefulSetV1SpecTemplateSpec,
  StatefulSetV1SpecTemplateSpecContainer,
  StatefulSetV1SpecTemplateSpecContainerLivenessProbe,
  StatefulSetV1SpecTemplateSpecContainerVolumeMount,
  StatefulSetV1SpecTemplateSpecInitContainer,
  StatefulSetV1SpecTemplateSpecVolume,
} from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import type { ContainerSpec, ProbeSpec, ResourceSpec, SecretFileMount } from '../clients/types';
import { ConfigError } from '../errors';
import { JWT_SECRET_KEY, terraformLiteral } from '../sandbox/builtins';

/** Volume name of the generated JWT inside a pod. */
export const JWT_VOLUME = 'jwt';

/** Pod volume name of the n-th external secret mount (secret names may be longer than a volume name allows). */
function externalSecretVolume(index: number): string {
  return `secret-${index}`;
}

function literals(values: readonly string[]): string[] {
  return values.map(terraformLiteral);
}

function probe(
  spec: ProbeSpec | undefined,
  field: string,
  kind: 'liveness' | 'readiness',
): StatefulSetV1SpecTemplateSpecContainerLivenessProbe | undefined {
  if (!spec) return undefined;
  // Kubernetes rejects any other value; refusing here names the field instead of failing in apply.
  if (kind === 'liveness' && spec.successThreshold !== 1) {
    throw new ConfigError(
      'kubernetes target',
      `${field}.successThreshold`,
      `Kubernetes requires successThreshold 1 for liveness probes, got ${spec.successThreshold}; set it to 1`,
    );
  }
  if (spec.type === 'http' && !spec.path) {
    throw new ConfigError('kubernetes target', `${field}.path`, 'an http probe needs a path; set one or use type "tcp"');
  }
  return {
    ...(spec.type === 'http'
      ? { httpGet: { path: terraformLiteral(spec.path ?? '/'), port: String(spec.port) } }
      : { tcpSocket: [{ port: String(spec.port) }] }),
    initialDelaySeconds: spec.initialDelaySeconds,
    periodSeconds: spec.periodSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    failureThreshold: spec.failureThreshold,
    successThreshold: spec.successThreshold,
  };
}

function resources(spec: ResourceSpec) {
  return {
    requests: { cpu: spec.cpuRequest, memory: spec.memoryRequest },
    limits: { cpu: spec.cpuLimit, memory: spec.memoryLimit },
  };
}

/** Mounts shared by the main container and its init containers: chain data and secrets. */
function volumeMounts(container: ContainerSpec): StatefulSetV1SpecTemplateSpecContainerVolumeMount[] {
  const mounts: StatefulSetV1SpecTemplateSpecContainerVolumeMount[] = [];
  if (container.dataVolume) {
    mounts.push({ name: container.dataVolume.name, mountPath: container.dataVolume.mountPath });
  }
  container.secretMounts.forEach((mount, index) => {
    mounts.push(
      mount.source.kind === 'jwt'
        ? // A file mount: subPath keeps the rest of the directory (often the data volume) visible.
          { name: JWT_VOLUME, mountPath: mount.mountPath, subPath: JWT_SECRET_KEY, readOnly: true }
        : { name: externalSecretVolume(index), mountPath: mount.mountPath, readOnly: true },
    );
  });
  return mounts;
}

function secretVolumes(mounts: readonly SecretFileMount[], jwtSecretName: string): StatefulSetV1SpecTemplateSpecVolume[] {
  const volumes: StatefulSetV1SpecTemplateSpecVolume[] = [];
  mounts.forEach((mount, index) => {
    if (mount.source.kind === 'jwt') {
      if (!volumes.some((volume) => volume.name === JWT_VOLUME)) {
        // 0440 + fsGroup: readable by the client's group, not by other users.
        volumes.push({ name: JWT_VOLUME, secret: { secretName: jwtSecretName, defaultMode: '0440' } });
      }
    } else if (mount.source.kind === 'external') {
      volumes.push({
        name: externalSecretVolume(index),
        secret: { secretName: mount.source.secretName, defaultMode: '0440' },
      });
    } else {
      throw new ConfigError(
        'kubernetes target',
        'validatorKeys',
        `the AWS Secrets Manager secret ${mount.source.secretId} cannot be mounted on Kubernetes; name a Kubernetes Secret of keystores`,
      );
    }
  });
  return volumes;
}

function initContainers(container: ContainerSpec): StatefulSetV1SpecTemplateSpecInitContainer[] {
  return container.initContainers.map((init) => ({
    name: init.name,
    image: terraformLiteral(init.image),
    ...(init.command.length > 0 ? { command: literals(init.command) } : {}),
    args: literals(init.args),
    // The pod's requests are the max of init and main containers: reusing the main sizing adds nothing.
    resources: resources(container.resources),
    volumeMount: volumeMounts(container),
    securityContext: { allowPrivilegeEscalation: false },
  }));
}

function mainContainer(container: ContainerSpec, field: string): StatefulSetV1SpecTemplateSpecContainer {
  return {
    name: container.component,
    image: terraformLiteral(container.image),
    ...(container.command.length > 0 ? { command: literals(container.command) } : {}),
    args: literals(container.args),
    env: Object.entries(container.env).map(([name, value]) => ({ name, value: terraformLiteral(value) })),
    port: container.ports.map((port) => ({
      name: port.name,
      containerPort: port.port,
      protocol: port.protocol,
      // P2P needs the same port reachable from the internet as the client advertises: a hostPort
      // on the node does that without a LoadBalancer; the scheduler keeps two instances that use
      // the same P2P port off one node.
      ...(port.exposure === 'p2p' ? { hostPort: port.port } : {}),
    })),
    resources: resources(container.resources),
    livenessProbe: probe(container.liveness, `${field}.liveness`, 'liveness'),
    readinessProbe: probe(container.readiness, `${field}.readiness`, 'readiness'),
    volumeMount: volumeMounts(container),
    securityContext: { allowPrivilegeEscalation: false },
  };
}

/** The pod template spec of one component's StatefulSet. */
export function podSpec(container: ContainerSpec, jwtSecretName: string): StatefulSetV1SpecTemplateSpec {
  const field = `containers[${container.component}]`;
  const uid = container.runAsUser;
  return {
    container: [mainContainer(container, field)],
    initContainer: initContainers(container),
    volume: secretVolumes(container.secretMounts, jwtSecretName),
    terminationGracePeriodSeconds: container.terminationGracePeriodSeconds,
    // Clients need no Kubernetes API access, and Service env vars can collide with client env config.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(uid === undefined
      ? {}
      : {
          securityContext: {
            runAsUser: String(uid),
            runAsGroup: String(uid),
            fsGroup: String(uid),
            // Chain data is millions of files: only chown when the volume root does not match.
            fsGroupChangePolicy: 'OnRootMismatch',
            ...(uid === 0 ? {} : { runAsNonRoot: true }),
          },
        }),
  };
}
