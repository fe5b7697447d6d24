/**
 * The parts every beacon node and validator client container has in common: data volume, JWT
 * mount (beacon), key mount (validator), UID, grace period, sizing and default probes.
 */
import type { ValidatorKeysRef } from '../../../stacks/props';
import {
  BEACON_HEALTH_PATH,
  CLIENT_UID,
  CONSENSUS_GRACE_SECONDS,
  JWT_MOUNT,
  VALIDATOR_GRACE_SECONDS,
  dataVolume,
  imageOf,
  livenessTcp,
  readinessHttp,
  readinessTcp,
  sizingFor,
  tcpPort,
  isKeystoreSet,
  validatorKeysMount,
} from '../common';
import type {
  BeaconContainerProps,
  ConsensusClientDefinition,
  ImageSelection,
  SizingByNetwork,
  ValidatorContainerProps,
} from '../definition';
import type { ContainerPort, ContainerSpec, InitContainerSpec, SecretFileMount } from '../types';

/** Slashing protection and imported keys: small, but it must survive restarts. */
export const VALIDATOR_STORAGE_GI = 1;

export interface ConsensusContainerParts {
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** Ports beyond REST and metrics (P2P, prysm's gRPC). */
  readonly extraPorts: readonly ContainerPort[];
  /** @default none */
  readonly initContainers?: readonly InitContainerSpec[];
  /** @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Mounts beyond the JWT (grandine's built-in validator mounts its keys). @default none */
  readonly extraSecretMounts?: readonly SecretFileMount[];
}

export function beaconContainer(
  client: ConsensusClientDefinition,
  props: BeaconContainerProps,
  parts: ConsensusContainerParts,
): ContainerSpec {
  const { ports } = client;
  return {
    component: 'beacon',
    client: client.name,
    ...imageOf(client, props.image),
    command: parts.command,
    args: parts.args,
    env: parts.env ?? {},
    ports: [
      tcpPort('rest', ports.rest, 'rpc'),
      tcpPort('metrics', ports.metrics, 'metrics', ports.metricsPath),
      ...parts.extraPorts,
    ],
    dataVolume: dataVolume(client.storageGi[props.network]),
    secretMounts: [{ ...JWT_MOUNT, mountPath: props.jwtPath }, ...(parts.extraSecretMounts ?? [])],
    resources: sizingFor(client.resources, props.network),
    liveness: livenessTcp(ports.rest, 'node'),
    readiness: readinessHttp(ports.rest, BEACON_HEALTH_PATH),
    initContainers: parts.initContainers ?? [],
    terminationGracePeriodSeconds: CONSENSUS_GRACE_SECONDS,
    runAsUser: CLIENT_UID,
  };
}

export function validatorContainer(
  client: ConsensusClientDefinition,
  props: ValidatorContainerProps,
  parts: ConsensusContainerParts & {
    readonly image: { readonly image: string; readonly version: string };
    readonly metricsPort: number;
    readonly resources: SizingByNetwork;
  },
): ContainerSpec {
  const { metricsPort } = parts;
  return {
    component: 'validator',
    client: client.name,
    ...parts.image,
    command: parts.command,
    args: parts.args,
    env: parts.env ?? {},
    ports: [tcpPort('metrics', metricsPort, 'metrics', '/metrics'), ...parts.extraPorts],
    dataVolume: dataVolume(VALIDATOR_STORAGE_GI),
    secretMounts: keyMounts(props.proposer.keys),
    resources: sizingFor(parts.resources, props.network),
    liveness: livenessTcp(metricsPort, 'light'),
    readiness: readinessTcp(metricsPort),
    initContainers: parts.initContainers ?? [],
    terminationGracePeriodSeconds: VALIDATOR_GRACE_SECONDS,
    runAsUser: CLIENT_UID,
  };
}

/** A Secret of keystores is mounted; a web3signer is only a URL. */
export function keyMounts(keys: ValidatorKeysRef | undefined): SecretFileMount[] {
  return isKeystoreSet(keys) ? [validatorKeysMount(keys)] : [];
}

/**
 * The validator image where a family ships it separately (prysm, nimbus). An image repository
 * override names the beacon node's repository in a mirror; the validator image is expected next
 * to it, under the same path with the last segment replaced.
 */
export function siblingImage(
  beaconRepository: string,
  defaultValidatorRepository: string,
  selection: ImageSelection,
): { image: string; version: string } {
  const validatorName = defaultValidatorRepository.slice(defaultValidatorRepository.lastIndexOf('/') + 1);
  const repository =
    selection.imageRepository === undefined || selection.imageRepository === beaconRepository
      ? defaultValidatorRepository
      : `${selection.imageRepository.slice(0, selection.imageRepository.lastIndexOf('/') + 1)}${validatorName}`;
  return { image: `${repository}:${selection.version}`, version: selection.version };
}

/** `--flag=value` pairs for optional settings, in a stable order. */
export function optional(flag: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [`${flag}=${value}`];
}
