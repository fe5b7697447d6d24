/**
 * How containers sit on the EC2 host: one user-defined docker network, containers named after
 * their component, and only the ports consumers or peers outside the host need published.
 */
import type { Component, ContainerPort, ContainerSpec } from '../clients/types';
import { ConfigError } from '../errors';

/** The docker network every container of the instance joins; docker's DNS resolves container names on it. */
export const AWS_DOCKER_NETWORK = 'ovsb';

/** Container name of a component; also its host name for the other containers. */
export function awsContainerName(component: Component): string {
  return component;
}

/** Pass to `buildNodeTopology`: peers reach each other by container name on the docker network. */
export function awsHostOf(component: Component): string {
  return awsContainerName(component);
}

/** Mount point of the EBS data volume (the root volume when the topology has no data). */
export const HOST_DATA_ROOT = '/var/lib/ovsb';
export const HOST_JWT_FILE = `${HOST_DATA_ROOT}/secrets/jwt.hex`;

export function hostDataDir(component: Component, volumeName: string): string {
  return `${HOST_DATA_ROOT}/${component}/${volumeName}`;
}

/**
 * Where the host writes the files of an AWS Secrets Manager secret (validator keys) at boot: tmpfs, so
 * the secret as fetched never lands on a disk (clients that import keys keep their own copy in their
 * data directory, as on Kubernetes). The directory is named after the secret id with everything but
 * `[A-Za-z0-9._-]` replaced.
 */
export function hostAwsSecretDir(secretId: string): string {
  return `/run/ovsb/validator-keys/${secretId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * Whether a port is published on the host. The Engine API and internal ports stay on the docker
 * network: nothing outside the instance can reach them, whatever the security group says.
 */
export function isPublished(port: ContainerPort): boolean {
  return port.exposure === 'p2p' || port.exposure === 'rpc' || port.exposure === 'metrics';
}

export interface PublishedPort {
  readonly component: Component;
  readonly port: ContainerPort;
}

/** Every published port; two containers publishing the same port and protocol cannot share a host. */
export function publishedPorts(containers: readonly ContainerSpec[]): PublishedPort[] {
  const seen = new Map<string, Component>();
  const published: PublishedPort[] = [];
  for (const container of containers) {
    for (const port of container.ports.filter(isPublished)) {
      const key = `${port.port}/${port.protocol}`;
      const owner = seen.get(key);
      if (owner) {
        throw new ConfigError(
          'aws target',
          `containers[${container.component}].ports.${port.name}`,
          `${key} is also published by ${owner}; one host cannot publish it twice, change one client's port`,
        );
      }
      seen.set(key, container.component);
      published.push({ component: container.component, port });
    }
  }
  return published;
}
