/**
 * What the catalog needs to know about clients beyond catalog.yaml. The implementation reads the client
 * definitions and release tables in modules/clients (./client-registry.ts).
 */
import type { ReleaseData } from '../../modules/clients/release-data';
import type { ConsensusClientName, ExecutionClientName, Network } from '../../modules/clients/types';

/** A client at the release catalog.yaml pins. */
export interface PinnedRelease<Name extends string = string> {
  readonly client: Name;
  readonly version: string;
}

export type ComboSupport =
  /** `engineApiVersion`: the Engine API both sides speak on the network, e.g. "V4 (Osaka/Fulu: ...)". */
  | { readonly supported: true; readonly engineApiVersion: string }
  /**
   * `cause`: a client lacks the network (`network`), or a pinned release cannot follow the network's
   * fork (`release`; `clients` names those releases).
   */
  | {
      readonly supported: false;
      readonly reason: string;
      readonly cause: 'network' | 'release';
      readonly clients: readonly string[];
    };

/** A client's data volume on a network, GiB. */
export interface ClientStorage {
  /** The size an instance gets when it asks for none. */
  readonly defaultGi: number;
  /** Where the client needs more than the network's minimum (reth's archive node). @default none */
  readonly minimumGi?: number;
}

export interface ClientRegistry {
  /** The release data the fork checks read (data/releases.json). */
  readonly releaseData: ReleaseData;
  /** Human name, e.g. "Nethermind". */
  displayName(client: ExecutionClientName | ConsensusClientName | 'mev-boost'): string;
  /** The newest Engine API a release speaks, e.g. "V4 (Osaka/Fulu: ...)"; undefined for a release older than every known fork. */
  engineApiVersion(client: ExecutionClientName | ConsensusClientName, version: string): string | undefined;
  /** False where the validator runs inside the beacon node (grandine). */
  hasSeparateValidatorClient(client: ConsensusClientName): boolean;
  /** Whether the family's validator can sign through a Web3Signer URL (lighthouse's cannot, by flags). */
  supportsWeb3signer(client: ConsensusClientName): boolean;
  comboSupport(
    execution: PinnedRelease<ExecutionClientName>,
    consensus: PinnedRelease<ConsensusClientName>,
    network: Network,
  ): ComboSupport;
  storage(client: ExecutionClientName | ConsensusClientName, network: Network): ClientStorage;
  /**
   * How proposers on the network reach external builders: through MEV-Boost, or in-protocol (enshrined
   * PBS, EIP-7732), where validator plans get no MEV-Boost and the network no MEV-Boost plans.
   */
  builders(network: Network): 'mev-boost' | 'in-protocol';
}
