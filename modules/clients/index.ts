/**
 * The client registry: every client definition by name, plus the rules that say which
 * combinations can work (with ./forks.ts: which releases follow which network, and the Engine API
 * they speak). The catalog reads names, images, display names and those rules from here;
 * `topology.ts` wires the definitions together.
 */
import type { ValidatorKeysRef } from '../../stacks/props';
import { GRANDINE } from './consensus/grandine';
import { LIGHTHOUSE } from './consensus/lighthouse';
import { LODESTAR_CLIENT } from './consensus/lodestar';
import { NIMBUS } from './consensus/nimbus';
import { PRYSM } from './consensus/prysm';
import { TEKU_CLIENT } from './consensus/teku';
import type { ConsensusClientDefinition, ExecutionClientDefinition, ValidatorClientInfo } from './definition';
import { BESU } from './execution/besu';
import { ERIGON } from './execution/erigon';
import { GETH } from './execution/geth';
import { NETHERMIND } from './execution/nethermind';
import { RETH } from './execution/reth';
import { releaseShortfall } from './forks';
import { MEV_BOOST } from './mev-boost';
import type { ConsensusClientName, ExecutionClientName, Network } from './types';
import { WEB3SIGNER } from './web3signer';

export type {
  ClientMetadata,
  ConsensusClientDefinition,
  EngineApi,
  ExecutionClientDefinition,
  ValidatorClientInfo,
} from './definition';
export type { MevBoostContainerProps, MevBoostDefinition } from './mev-boost';
export type { Web3signerContainerProps, Web3signerDefinition } from './web3signer';
export { DEFAULT_CHECKPOINT_SYNC_URLS, JWT_PATH, VALIDATOR_KEYS_DIR } from './common';
export * from './forks';
export { MEV_BOOST, WEB3SIGNER };

export const EXECUTION: Readonly<Record<ExecutionClientName, ExecutionClientDefinition>> = {
  geth: GETH,
  nethermind: NETHERMIND,
  besu: BESU,
  erigon: ERIGON,
  reth: RETH,
};

export const CONSENSUS: Readonly<Record<ConsensusClientName, ConsensusClientDefinition>> = {
  lighthouse: LIGHTHOUSE,
  prysm: PRYSM,
  teku: TEKU_CLIENT,
  nimbus: NIMBUS,
  lodestar: LODESTAR_CLIENT,
  grandine: GRANDINE,
};

/** `cause`: the clients lack the network (`network`), or a pinned release cannot follow it (`release`). */
export type Support =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly cause: 'network' | 'release' };

/** A client at a pinned release (image tag). */
export interface PinnedClient<Name extends string> {
  readonly client: Name;
  readonly version: string;
}

/**
 * Whether an execution and a consensus client at their pinned releases can run together on a network:
 * both must support the network and both releases must follow the fork it runs (./forks.ts). The
 * Engine API is a standard, and no source (clients' docs, sedge, ethereum-package, the Helm charts)
 * records an EL x CL pair that cannot work otherwise: once both releases follow the network's fork,
 * they speak its Engine API (`networkEngineApi`).
 */
export function comboSupport(
  execution: PinnedClient<ExecutionClientName>,
  consensus: PinnedClient<ConsensusClientName>,
  network: Network,
): Support {
  return comboSupportOf(EXECUTION[execution.client], execution.version, CONSENSUS[consensus.client], consensus.version, network);
}

/** `comboSupport` for any two definitions (a definition that drops a network, in tests). */
export function comboSupportOf(
  el: ExecutionClientDefinition,
  elVersion: string,
  cl: ConsensusClientDefinition,
  clVersion: string,
  network: Network,
): Support {
  for (const client of [el, cl]) {
    if (!client.supportedNetworks.includes(network)) {
      return { ok: false, reason: `${client.displayName} does not support ${network}`, cause: 'network' };
    }
  }
  const shortfalls = [releaseShortfall(el.name, elVersion, network), releaseShortfall(cl.name, clVersion, network)].filter(
    (reason): reason is string => reason !== undefined,
  );
  return shortfalls.length === 0 ? { ok: true } : { ok: false, reason: shortfalls.join('; and '), cause: 'release' };
}

/**
 * The validator client of a consensus family: a separate process (its own container), or, for
 * grandine, the built-in validator inside the beacon node (no validator container; the proposer
 * settings and keys go to the beacon node).
 */
export function validatorClientOf(consensus: ConsensusClientName): ValidatorClientInfo {
  return CONSENSUS[consensus].validatorClient;
}

/** Whether a consensus family's validator can use a kind of key reference. */
export function validatorKeysSupport(
  consensus: ConsensusClientName,
  kind: ValidatorKeysRef['kind'],
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const cl = CONSENSUS[consensus];
  if (kind === 'web3signer' && !cl.supportsWeb3signerFlags) {
    return {
      ok: false,
      reason: `the ${cl.displayName} validator client has no flag for a web3signer URL (keys are registered one by one through its API); use a named key set of keystores (a Kubernetes Secret, or an AWS Secrets Manager secret on AWS)`,
    };
  }
  return { ok: true };
}
