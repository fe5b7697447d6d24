/** The catalog's domain types: what a service and a plan are, independent of the OSB wire format. */
import type { ConsensusClientName, ExecutionClientName, Network, Role, Target } from '../../modules/clients/types';
import type { LidoNetworkConfig, NetworkConfig } from './config';

/** One client as a service offers it. */
export interface OfferedClient<Name extends string = string> {
  readonly client: Name;
  readonly displayName: string;
  /** Image tag. */
  readonly version: string;
  /** @default the client's public image repository */
  readonly imageRepository?: string;
}

export interface MaintenanceInfo {
  /** Semver 2.0, moves forward whenever a client version in the plan moves forward. */
  readonly version: string;
  readonly description: string;
}

interface PlanCommon {
  /** UUIDv5 from the catalog namespace and the plan's stable key. */
  readonly id: string;
  /** CLI-friendly, unique within its service. */
  readonly name: string;
  readonly serviceId: string;
  readonly serviceName: string;
  /** Stable, readable, unique across the catalog: names the CDKTF stack (`ovsb synth --plan`). */
  readonly stackName: string;
  readonly target: Target;
  readonly network: Network;
  readonly description: string;
  readonly maintenanceInfo: MaintenanceInfo;
}

/** An Ethereum node: EL + beacon node (+ validator client for the validator role). */
export interface NodePlan extends PlanCommon {
  readonly kind: 'node';
  readonly role: Role;
  /** Lido mode: fee recipient, relays, min-bid and boost factor follow Lido's rules. */
  readonly lido: boolean;
  readonly execution: OfferedClient<ExecutionClientName>;
  readonly consensus: OfferedClient<ConsensusClientName>;
  /** False where the consensus client runs its validator inside the beacon node (grandine). */
  readonly separateValidatorClient: boolean;
  /** Whether the validator can sign through a Web3Signer URL (lighthouse's cannot, by flags). */
  readonly web3signerKeys: boolean;
  /** Validator role only: the MEV-Boost sidecar release wired in unless disabled. */
  readonly mevBoost?: OfferedClient<'mev-boost'>;
  /** The Engine API the two clients speak on the plan's network, e.g. "V4 (Osaka/Fulu: ...)". */
  readonly engineApiVersion: string;
  /** Data volumes, GiB: the size an instance gets unless it asks for another, and the smallest accepted. */
  readonly storage: {
    readonly execution: PlanVolume;
    readonly consensus: PlanVolume;
  };
}

export interface PlanVolume {
  /** The client's size for the network, raised to `minimumGi` where that is larger. */
  readonly sizeGi: number;
  /** The larger of the catalog's network minimum and the client's own minimum. */
  readonly minimumGi: number;
  /** The client's own size is below the minimum: instances get `minimumGi` unless they ask. */
  readonly raisedToMinimum: boolean;
}

/** MEV-Boost as a middleware service of its own. */
export interface MevBoostPlan extends PlanCommon {
  readonly kind: 'mev-boost';
  readonly mevBoost: OfferedClient<'mev-boost'>;
}

export type CatalogPlan = NodePlan | MevBoostPlan;
export type PlanKind = CatalogPlan['kind'];

/** Diversity standing of a client or a whole service; 'unknown' until the diversity module has data. */
export type DiversityStatus = 'unknown' | 'minority' | 'warn' | 'majority' | 'supermajority';

/** An operator incentive for picking a client, from catalog.yaml `incentives`. */
export interface ClientIncentive {
  readonly client: string;
  readonly description: string;
  readonly feeMultiplier?: number;
  readonly rewardMultiplier?: number;
}

/** The `diversity` field of a node service's metadata. */
export interface ServiceDiversity {
  /** The worse of the two layers. */
  readonly status: DiversityStatus;
  readonly execution: DiversityStatus;
  readonly consensus: DiversityStatus;
  /** Operator incentives for this service's clients. */
  readonly incentives: readonly ClientIncentive[];
  /** Where the shares came from, e.g. "clientdiversity.org (migalabs) 2026-08-21". @default none */
  readonly source?: string;
  /** The network `status` describes (mainnet when it has data). @default none (no data anywhere) */
  readonly network?: Network;
  /** The standing on every offered network that has published data. @default none */
  readonly networks?: Readonly<Partial<Record<Network, { readonly status: DiversityStatus; readonly execution: DiversityStatus; readonly consensus: DiversityStatus }>>>;
}

interface ServiceCommon {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly plans: readonly CatalogPlan[];
}

export interface NodeService extends ServiceCommon {
  readonly kind: 'node';
  /** `engineApiVersion`: the newest Engine API the pinned release speaks. */
  readonly execution: OfferedClient<ExecutionClientName> & { readonly engineApiVersion?: string };
  readonly consensus: OfferedClient<ConsensusClientName> & { readonly engineApiVersion?: string };
  /** The Engine API the pair speaks on its networks (per network where they differ). */
  readonly engineApiVersion: string;
  readonly incentives: readonly ClientIncentive[];
  readonly plans: readonly NodePlan[];
}

export interface MevBoostService extends ServiceCommon {
  readonly kind: 'mev-boost';
  readonly mevBoost: OfferedClient<'mev-boost'>;
  readonly plans: readonly MevBoostPlan[];
}

export type CatalogService = NodeService | MevBoostService;

/** What the Lido rules of a network are, for the Lido-mode checks. */
export interface LidoRules extends LidoNetworkConfig {
  readonly network: Network;
  readonly maxMinBidEth: number;
  readonly builderBoostFactor: number;
}

export type { NetworkConfig };
