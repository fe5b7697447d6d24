/**
 * Conventions every client definition shares: container paths, the UID clients run as, default
 * checkpoint sync URLs, and small builders for ports, probes and volumes. Pure data and functions.
 * Which releases follow which network (and their Engine API) is in ./forks.ts.
 */
import type { ProbeSettings, ValidatorKeysRef } from '../../stacks/props';
import { ConfigError } from '../errors';
import type { ClientMetadata, ImageSelection, SizingByNetwork } from './definition';
import { NETWORKS } from './types';
import type {
  ContainerPort,
  ContainerSpec,
  DataVolume,
  Network,
  PortExposure,
  ProbeSpec,
  ResourceSpec,
  SecretFileMount,
} from './types';

/** Every client here supports every network the broker offers (holesky is deprecated, not offered). */
export const NETWORKS_OFFERED: readonly Network[] = NETWORKS;

/** Chain data, slashing protection and imported keys: the persistent volume of every client. */
export const DATA_DIR = '/data';

/** The one path of the Engine API JWT, the same file on both sides (EL and beacon node). */
export const JWT_PATH = '/secrets/jwt/jwt.hex';

/**
 * Where a `kubernetes-secret` key reference is mounted (read-only). The Secret holds EIP-2335
 * keystores named `keystore-*.json` (as staking-deposit-cli writes them) and `password.txt`, the
 * password of all of them. Each validator client reads or imports them in its own way.
 */
export const VALIDATOR_KEYS_DIR = '/secrets/validator-keys';
export const VALIDATOR_KEYS_PASSWORD_FILE = `${VALIDATOR_KEYS_DIR}/password.txt`;

/**
 * Every client runs as this UID (and group); targets make the data volume writable for it. It is
 * the UID the ethpandaops Helm charts run all of these images as, and none of the images needs
 * to write outside the data volume with the flags used here.
 */
export const CLIENT_UID = 10001;

/** Execution clients flush state on shutdown; killing them early costs a resync of recent blocks. */
export const EXECUTION_GRACE_SECONDS = 300;
export const CONSENSUS_GRACE_SECONDS = 60;
export const VALIDATOR_GRACE_SECONDS = 30;

/**
 * Well-known checkpoint sync endpoints (the ones the ethpandaops Helm charts default to). A
 * checkpoint is a trust decision: operators may point at their own beacon node instead.
 */
export const DEFAULT_CHECKPOINT_SYNC_URLS: Readonly<Record<Network, string>> = {
  mainnet: 'https://mainnet-checkpoint-sync.attestant.io',
  hoodi: 'https://checkpoint-sync.hoodi.ethpandaops.io',
  sepolia: 'https://checkpoint-sync.sepolia.ethpandaops.io',
};

/** Teku rejects a checkpoint URL with a trailing slash; no client needs one. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function imageOf(client: ClientMetadata, selection: ImageSelection): { image: string; version: string } {
  return { image: `${selection.imageRepository ?? client.imageRepository}:${selection.version}`, version: selection.version };
}

export function sizingFor(sizing: SizingByNetwork, network: Network): ResourceSpec {
  return network === 'mainnet' ? sizing.mainnet : sizing.testnet;
}

export function resources(cpuRequest: string, cpuLimit: string, memoryRequest: string, memoryLimit: string): ResourceSpec {
  return { cpuRequest, cpuLimit, memoryRequest, memoryLimit };
}

export function tcpPort(name: string, port: number, exposure: PortExposure, path?: string): ContainerPort {
  return { name, port, protocol: 'TCP', exposure, ...(path === undefined ? {} : { path }) };
}

export function udpPort(name: string, port: number): ContainerPort {
  return { name, port, protocol: 'UDP', exposure: 'p2p' };
}

/** P2P on one port number over TCP and UDP (devp2p/discv5 and libp2p). */
export function p2pPorts(port: number, prefix = 'p2p'): ContainerPort[] {
  return [tcpPort(`${prefix}-tcp`, port, 'p2p'), udpPort(`${prefix}-udp`, port)];
}

export function dataVolume(sizeGi: number): DataVolume {
  return { name: 'data', mountPath: DATA_DIR, sizeGi };
}

export const JWT_MOUNT: SecretFileMount = { source: { kind: 'jwt' }, mountPath: JWT_PATH };

/** A key set of EIP-2335 keystores by name (Kubernetes Secret or AWS Secrets Manager secret), not a signer URL. */
export type KeystoreSet = Exclude<ValidatorKeysRef, { readonly kind: 'web3signer' }>;

export function isKeystoreSet(keys: ValidatorKeysRef | undefined): keys is KeystoreSet {
  return keys !== undefined && keys.kind !== 'web3signer';
}

/** The key set mounted read-only at `VALIDATOR_KEYS_DIR`; the target decides where its files come from. */
export function validatorKeysMount(keys: KeystoreSet | string): SecretFileMount {
  const source: SecretFileMount['source'] =
    typeof keys === 'string' || keys.kind === 'kubernetes-secret'
      ? { kind: 'external', secretName: typeof keys === 'string' ? keys : keys.secretName }
      : { kind: 'aws-secret', secretId: keys.secretId };
  return { source, mountPath: VALIDATOR_KEYS_DIR };
}

/** Default probe timings. Nodes open their ports late when a database is large: generous liveness. */
const NODE_LIVENESS = { initialDelaySeconds: 120, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 20 };
const LIGHT_LIVENESS = { initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 6 };
const READINESS = { initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 };

export type ProbeWeight = 'node' | 'light';

export function livenessTcp(port: number, weight: ProbeWeight): ProbeSpec {
  return { type: 'tcp', port, ...(weight === 'node' ? NODE_LIVENESS : LIGHT_LIVENESS), successThreshold: 1 };
}

export function readinessTcp(port: number): ProbeSpec {
  return { type: 'tcp', port, ...READINESS, successThreshold: 1 };
}

export function readinessHttp(port: number, path: string): ProbeSpec {
  return { type: 'http', port, path, ...READINESS, successThreshold: 1 };
}

/** The beacon API health endpoint: 200 ready, 206 syncing (both < 400: serving), 503 not initialised. */
export const BEACON_HEALTH_PATH = '/eth/v1/node/health';

/**
 * A probe with the spec's timings. `path` only replaces the path of HTTP probes: TCP probes watch
 * ports that serve no such path. Kubernetes only accepts successThreshold 1 on liveness probes, so
 * liveness is clamped to 1 whatever was asked (the catalog schema documents this).
 * `appStartTimeoutSec` is a rollout deadline, not a probe field: targets handle it, not the probe.
 */
export function applyProbeSettings(probe: ProbeSpec, settings: ProbeSettings, kind: 'liveness' | 'readiness'): ProbeSpec {
  return {
    type: probe.type,
    port: probe.port,
    ...(probe.type === 'http' ? { path: settings.path ?? probe.path } : {}),
    initialDelaySeconds: kind === 'liveness' ? (settings.initialDelaySec ?? probe.initialDelaySeconds) : probe.initialDelaySeconds,
    periodSeconds: settings.checkIntervalSec,
    timeoutSeconds: settings.timeoutSec,
    failureThreshold: settings.failureThreshold,
    successThreshold: kind === 'liveness' ? 1 : settings.successThreshold,
  };
}

export interface ContainerOverrides {
  readonly storageGi?: number;
  readonly resources?: Partial<ResourceSpec>;
  readonly liveness?: ProbeSettings;
  readonly readiness?: ProbeSettings;
}

/** A client's defaults with the spec's overrides applied (storage, requests/limits, probe timings). */
export function withOverrides(container: ContainerSpec, overrides: ContainerOverrides, field: string): ContainerSpec {
  const { storageGi, liveness, readiness } = overrides;
  if (storageGi !== undefined && !(Number.isInteger(storageGi) && storageGi > 0)) {
    throw new ConfigError('node spec', `${field}.storageGi`, `must be a positive whole number of GiB, got ${storageGi}`);
  }
  return {
    ...container,
    ...(container.dataVolume && storageGi !== undefined ? { dataVolume: { ...container.dataVolume, sizeGi: storageGi } } : {}),
    resources: { ...container.resources, ...definedOnly(overrides.resources ?? {}) },
    ...(container.liveness && liveness ? { liveness: applyProbeSettings(container.liveness, liveness, 'liveness') } : {}),
    ...(container.readiness && readiness ? { readiness: applyProbeSettings(container.readiness, readiness, 'readiness') } : {}),
  };
}

function definedOnly(partial: Partial<ResourceSpec>): Partial<ResourceSpec> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
}

/** 2^64-1 is the beacon API's "always builder"; JS numbers cannot hold it exactly. */
export function checkedBuilderBoostFactor(value: number, client: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(
      'node spec',
      'builderBoostFactor',
      `${client} needs a whole, non-negative percentage, got ${value}; use e.g. 100 (compare builder and local blocks as equals)`,
    );
  }
  return value;
}
