/**
 * The parts every execution client container has in common: data volume, JWT mount, UID, grace
 * period, sizing, and a liveness probe on the JSON-RPC port.
 */
import {
  CLIENT_UID,
  EXECUTION_GRACE_SECONDS,
  JWT_MOUNT,
  dataVolume,
  imageOf,
  livenessTcp,
  sizingFor,
} from '../common';
import type { ExecutionClientDefinition, ExecutionContainerProps } from '../definition';
import type { ContainerPort, ContainerSpec, ProbeSpec } from '../types';

export interface ExecutionContainerParts {
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly ports: readonly ContainerPort[];
  readonly readiness: ProbeSpec;
  /** @default none */
  readonly env?: Readonly<Record<string, string>>;
}

export function executionContainer(
  client: ExecutionClientDefinition,
  props: ExecutionContainerProps,
  parts: ExecutionContainerParts,
): ContainerSpec {
  return {
    component: 'execution',
    client: client.name,
    ...imageOf(client, props.image),
    command: parts.command,
    args: parts.args,
    env: parts.env ?? {},
    ports: parts.ports,
    dataVolume: dataVolume(client.storageGi[props.network]),
    secretMounts: [{ ...JWT_MOUNT, mountPath: props.jwtPath }],
    resources: sizingFor(client.resources, props.network),
    liveness: livenessTcp(client.ports.http, 'node'),
    readiness: parts.readiness,
    initContainers: [],
    terminationGracePeriodSeconds: EXECUTION_GRACE_SECONDS,
    runAsUser: CLIENT_UID,
  };
}

/** Ports every EL has: JSON-RPC over HTTP (and WS when separate), Engine API, metrics. */
export function rpcEngineMetricsPorts(client: ExecutionClientDefinition): ContainerPort[] {
  const { ports } = client;
  return [
    { name: 'http-rpc', port: ports.http, protocol: 'TCP', exposure: 'rpc' },
    ...(ports.ws === ports.http ? [] : [{ name: 'ws-rpc', port: ports.ws, protocol: 'TCP' as const, exposure: 'rpc' as const }]),
    { name: 'engine', port: ports.engine, protocol: 'TCP', exposure: 'engine' },
    { name: 'metrics', port: ports.metrics, protocol: 'TCP', exposure: 'metrics', path: ports.metricsPath },
  ];
}
