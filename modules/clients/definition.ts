/**
 * The shape of a client definition: plain typed metadata plus pure functions from typed props to a
 * `ContainerSpec`. One file per client implements one of these; `index.ts` is the registry.
 *
 * Definitions produce each client's own defaults (sizing, probes, storage). The spec's overrides
 * (resources, storage, probe settings) are applied once, by `topology.ts`, with `withOverrides`.
 */
import type { ValidatorKeysRef } from '../../stacks/props';
import type { ConsensusClientName, ContainerSpec, ExecutionClientName, Network, ResourceSpec } from './types';

/**
 * The Engine API of a fork, named after the execution-apis fork spec. Which fork a release speaks
 * depends on its version and which fork a network runs (./forks.ts); definitions carry neither.
 * `version` is the `engine_newPayload` version, the one both layers must share.
 */
export interface EngineApi {
  /** execution-apis fork spec, e.g. `osaka`. */
  readonly fork: 'osaka' | 'amsterdam';
  /** `engine_newPayload` version, e.g. `V4`. */
  readonly version: 'V4' | 'V5';
  /** The highest method versions of the fork, for display. */
  readonly methods: readonly string[];
  /** Human label for the catalog, e.g. `V4 (Osaka/Fulu: engine_newPayloadV4, engine_getPayloadV5)`. */
  readonly label: string;
}

/** Storage per network in GiB. */
export type StorageByNetwork = Readonly<Record<Network, number>>;

/** Requests/limits for mainnet and for the (smaller) testnets. */
export interface SizingByNetwork {
  readonly mainnet: ResourceSpec;
  readonly testnet: ResourceSpec;
}

/** What the catalog shows for any client (names, image, pinned version). */
export interface ClientMetadata {
  /** Catalog name, e.g. `nethermind`. */
  readonly name: string;
  /** Human name, e.g. `Nethermind`. */
  readonly displayName: string;
  /** Public image repository without tag, e.g. `nethermind/nethermind`. */
  readonly imageRepository: string;
  /** A real, pinned release tag of `imageRepository` (never `latest`/`stable`). */
  readonly defaultVersion: string;
  /** Networks this client supports, among the ones the broker offers. */
  readonly supportedNetworks: readonly Network[];
}

/** Image and version chosen for one instance. */
export interface ImageSelection {
  readonly version: string;
  /** @default the client's public `imageRepository` */
  readonly imageRepository?: string;
}

export interface ExecutionPorts {
  readonly http: number;
  /** Equal to `http` where the client serves WebSocket on the HTTP port (nethermind, erigon). */
  readonly ws: number;
  readonly engine: number;
  readonly p2p: number;
  readonly metrics: number;
  readonly metricsPath: string;
}

export interface ExecutionContainerProps {
  readonly network: Network;
  readonly image: ImageSelection;
  /** File path of the Engine API JWT inside the container (a `jwt` secret mount). */
  readonly jwtPath: string;
}

export interface ExecutionClientDefinition extends ClientMetadata {
  readonly layer: 'execution';
  readonly name: ExecutionClientName;
  readonly ports: ExecutionPorts;
  /** Chain data per network, sized for a pruned/full node of this client (archive for reth, its default). */
  readonly storageGi: StorageByNetwork;
  /**
   * The smallest data volume the client's chain fits on, where it needs more than the catalog's network
   * minimum (reth's default archive node, for example). @default none: the network minimum applies
   */
  readonly minimumStorageGi?: Readonly<Partial<StorageByNetwork>>;
  readonly resources: SizingByNetwork;
  container(props: ExecutionContainerProps): ContainerSpec;
}

export interface ConsensusPorts {
  /** Beacon REST API. */
  readonly rest: number;
  /** Prysm's gRPC API, used by its own validator client. */
  readonly grpc?: number;
  readonly metrics: number;
  readonly metricsPath: string;
  /** Validator client metrics; absent where the validator runs inside the beacon node. */
  readonly validatorMetrics?: number;
}

/** What a validator does when it proposes; present on the validator role only. */
export interface ProposerSettings {
  /** Checksummed 0x address. */
  readonly feeRecipient: string;
  readonly graffiti?: string;
  /** Beacon-API `builder_boost_factor` semantics: percentage applied to the builder bid. */
  readonly builderBoostFactor?: number;
  readonly doppelgangerProtection: boolean;
  /** @default none: the validator starts with no keys */
  readonly keys?: ValidatorKeysRef;
}

export interface BeaconContainerProps {
  readonly network: Network;
  readonly image: ImageSelection;
  /** e.g. `http://execution.ns.svc.cluster.local:8551` */
  readonly engineUrl: string;
  readonly jwtPath: string;
  /** Without trailing slash. */
  readonly checkpointSyncUrl: string;
  /** Present when MEV-Boost is wired in. */
  readonly mevBoostUrl?: string;
  /** Present on the validator role: the beacon node's fallback fee recipient and builder settings. */
  readonly proposer?: ProposerSettings;
}

export interface ValidatorContainerProps {
  readonly network: Network;
  readonly image: ImageSelection;
  /** e.g. `http://beacon.ns.svc.cluster.local:5052` */
  readonly beaconApiUrl: string;
  /** Prysm only: `host:port` of the beacon node's gRPC API. */
  readonly beaconGrpcHostPort?: string;
  /** Whether the beacon node has a builder (MEV-Boost). */
  readonly mevBoost: boolean;
  readonly proposer: ProposerSettings;
}

/** The validator client a consensus family ships, or none (grandine runs it inside the beacon node). */
export type ValidatorClientInfo =
  | {
      readonly runs: 'separate';
      readonly displayName: string;
      /** Repository of the validator image (prysm and nimbus ship a separate image). */
      readonly imageRepository: string;
      readonly resources: SizingByNetwork;
    }
  | { readonly runs: 'in-beacon-node' };

export interface ConsensusClientDefinition extends ClientMetadata {
  readonly layer: 'consensus';
  readonly name: ConsensusClientName;
  readonly ports: ConsensusPorts;
  readonly storageGi: StorageByNetwork;
  readonly resources: SizingByNetwork;
  readonly validatorClient: ValidatorClientInfo;
  /**
   * Whether the validator signs through a web3signer this client can be pointed at by flags.
   * Lighthouse's validator client has no such flag (keys are registered per key through its API).
   */
  readonly supportsWeb3signerFlags: boolean;
  beacon(props: BeaconContainerProps): ContainerSpec;
  /** Absent where the validator runs inside the beacon node (`validatorClient.runs === 'in-beacon-node'`). */
  validator?(props: ValidatorContainerProps): ContainerSpec;
}
