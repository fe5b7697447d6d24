/**
 * Plain typed data describing Ethereum client containers.
 *
 * A client definition is a pure function from typed props to a `ContainerSpec`; target constructs
 * (modules/kubernetes, modules/aws, modules/sandbox) turn a `NodeTopology` of such specs into resources.
 * Nothing here touches files, env, clock or network.
 */

export const NETWORKS = ['mainnet', 'hoodi', 'sepolia'] as const;
export type Network = (typeof NETWORKS)[number];

export const EXECUTION_CLIENTS = ['geth', 'nethermind', 'besu', 'erigon', 'reth'] as const;
export type ExecutionClientName = (typeof EXECUTION_CLIENTS)[number];

export const CONSENSUS_CLIENTS = ['lighthouse', 'prysm', 'teku', 'nimbus', 'lodestar', 'grandine'] as const;
export type ConsensusClientName = (typeof CONSENSUS_CLIENTS)[number];

/** What a container does in a topology. Also its workload name: one component of each kind per instance. */
export type Component = 'execution' | 'beacon' | 'validator' | 'mev-boost' | 'web3signer';

export const TARGETS = ['kubernetes', 'aws', 'sandbox'] as const;
export type Target = (typeof TARGETS)[number];

export const ROLES = ['validator', 'rpc'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who may reach a port.
 * - `p2p`: the public peer-to-peer port, open to the world.
 * - `rpc`: JSON-RPC / WS / beacon REST: consumers inside the platform, never the world.
 * - `engine`: Engine API (JWT): only the beacon node of the same instance.
 * - `metrics`: Prometheus scraping from inside the platform.
 * - `internal`: other components of the same instance only (mev-boost, keymanager, signer).
 */
export type PortExposure = 'p2p' | 'rpc' | 'engine' | 'metrics' | 'internal';

export interface ContainerPort {
  /** IANA-style port name, unique within the container, <= 15 chars (Kubernetes limit). */
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly exposure: PortExposure;
  /** URL path served on this port when it is HTTP (metrics path, for example). */
  readonly path?: string;
}

export interface ResourceSpec {
  /** Kubernetes quantity, e.g. "4" or "500m". */
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  /** Kubernetes quantity, e.g. "16Gi". */
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

export interface ProbeSpec {
  /** `http` calls `path` on `port`; `tcp` only opens the port. */
  readonly type: 'http' | 'tcp';
  readonly port: number;
  /** Required when `type` is `http`. */
  readonly path?: string;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/** A persistent volume: never ephemeral storage for chain data. */
export interface DataVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly sizeGi: number;
}

/** A file the container expects from a secret (the shared JWT, validator keys, passwords). */
export interface SecretFileMount {
  /**
   * Which secret: the instance's generated JWT, a Kubernetes Secret the operator manages by name
   * (`external`), or an AWS Secrets Manager secret by name or ARN (`aws-secret`, AWS target only).
   */
  readonly source:
    | { readonly kind: 'jwt' }
    | { readonly kind: 'external'; readonly secretName: string }
    | { readonly kind: 'aws-secret'; readonly secretId: string };
  /** Directory (for `external`) or file path (for `jwt`) inside the container. */
  readonly mountPath: string;
}

/** A one-shot container run before the main one (nimbus trustedNodeSync, for example). */
export interface InitContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
}

export interface ContainerSpec {
  readonly component: Component;
  /** Client name as in the catalog (`geth`, `lighthouse`, `mev-boost`, ...). */
  readonly client: string;
  /** Client version (image tag). */
  readonly version: string;
  /** Full image reference including tag. */
  readonly image: string;
  /** Entrypoint override; empty means the image's own. */
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  /** Chain data; absent for stateless components (mev-boost). */
  readonly dataVolume?: DataVolume;
  readonly secretMounts: readonly SecretFileMount[];
  readonly resources: ResourceSpec;
  readonly liveness?: ProbeSpec;
  readonly readiness?: ProbeSpec;
  readonly initContainers: readonly InitContainerSpec[];
  /** Seconds to wait after SIGTERM before killing (ELs flush state for minutes). */
  readonly terminationGracePeriodSeconds: number;
  /** UID the image runs as; volumes are made writable for it. */
  readonly runAsUser?: number;
}

/** How components of one instance reach each other; the target decides the host names. */
export interface PeerEndpoints {
  /** e.g. http://execution.ns.svc.cluster.local:8551 */
  readonly engineUrl: string;
  /** e.g. http://beacon.ns.svc.cluster.local:5052 (the beacon REST API). */
  readonly beaconApiUrl: string;
  /** Prysm's gRPC endpoint as host:port (no scheme), for the prysm VC. */
  readonly beaconGrpcHostPort?: string;
  /** e.g. http://mev-boost.ns.svc.cluster.local:18550; absent when MEV-Boost is off. */
  readonly mevBoostUrl?: string;
  /** e.g. http://web3signer:9000; absent when keys are local. */
  readonly web3signerUrl?: string;
}

/** A port of one component that a consumer (binding) reaches; targets turn it into a URL. */
export interface ServiceEndpoint {
  readonly component: Component;
  readonly port: number;
  readonly scheme: 'http' | 'ws';
  /** @default "" */
  readonly path?: string;
}

/** What a binding hands out, before a target gives host names. */
export interface TopologyEndpoints {
  readonly executionHttp: ServiceEndpoint;
  /** Same port as executionHttp for clients that serve WS there (nethermind, erigon). */
  readonly executionWs: ServiceEndpoint;
  readonly beaconApi: ServiceEndpoint;
  /** Prometheus endpoints keyed by component. */
  readonly metrics: Readonly<Partial<Record<Component, ServiceEndpoint>>>;
  readonly mevBoost?: ServiceEndpoint;
}

/** The full set of containers for one instance, with the endpoints a consumer binds to. */
export interface NodeTopology {
  readonly network: Network;
  readonly containers: readonly ContainerSpec[];
  readonly endpoints: TopologyEndpoints;
}
