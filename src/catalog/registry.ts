/**
 * What the catalog needs to know about clients beyond catalog.yaml. The default implementation reads
 * the client definitions in modules/clients (./client-registry.ts); tests may pass their own.
 */
import type { ConsensusClientName, ExecutionClientName, Network } from '../../modules/clients/types';

export type ComboSupport = { readonly supported: true } | { readonly supported: false; readonly reason: string };

export interface ClientRegistry {
  /** Human name, e.g. "Nethermind". */
  displayName(client: ExecutionClientName | ConsensusClientName | 'mev-boost'): string;
  /** The Engine API version the client speaks, e.g. "V4 (Prague/Electra)". @default unknown */
  engineApiVersion(client: ExecutionClientName | ConsensusClientName): string | undefined;
  /** False where the validator runs inside the beacon node (grandine). */
  hasSeparateValidatorClient(client: ConsensusClientName): boolean;
  /** Whether the family's validator can sign through a Web3Signer URL (lighthouse's cannot, by flags). */
  supportsWeb3signer(client: ConsensusClientName): boolean;
  comboSupport(execution: ExecutionClientName, consensus: ConsensusClientName, network: Network): ComboSupport;
}
