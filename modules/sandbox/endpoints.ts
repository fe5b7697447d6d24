import type { ContainerPort, ContainerSpec, ServiceEndpoint } from '../clients/types';
import { ConfigError } from '../errors';

/** The container and port an endpoint points at; an endpoint naming no declared TCP port is refused. */
export function findPort(
  containers: readonly ContainerSpec[],
  endpoint: ServiceEndpoint,
): { readonly container: ContainerSpec; readonly port: ContainerPort } {
  const container = containers.find((candidate) => candidate.component === endpoint.component);
  const port = container?.ports.find((candidate) => candidate.port === endpoint.port && candidate.protocol === 'TCP');
  if (!container || !port) {
    throw new ConfigError(
      'topology',
      `endpoints.${endpoint.component}:${endpoint.port}`,
      `no ${endpoint.component} container declares TCP port ${endpoint.port}; declare the port on the container`,
    );
  }
  return { container, port };
}
