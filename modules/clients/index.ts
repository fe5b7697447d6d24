/**
 * The client registry: every client definition by name, plus the rules that say which
 * combinations can work. The catalog reads names, versions, images, Engine API and display names
 * from here; `topology.ts` wires the definitions together.
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
export { DEFAULT_CHECKPOINT_SYNC_URLS, ENGINE_API_OSAKA, JWT_PATH, VALIDATOR_KEYS_DIR } from './common';
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

export type Support = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether an execution and a consensus client can run together on a network. Decided from the
 * definitions: both must support the network and speak the same Engine API fork. The Engine API
 * is a standard, and no source (clients' docs, sedge, ethereum-package, the Helm charts) records an
 * EL x CL pair that cannot work: with the pinned releases every pair works on every offered
 * network, and a refusal only appears when a definition drops a network or pins an older release.
 */
export function comboSupport(execution: ExecutionClientName, consensus: ConsensusClientName, network: Network): Support {
  return comboSupportOf(EXECUTION[execution], CONSENSUS[consensus], network);
}

/** `comboSupport` for any two definitions (a catalog pinning other releases, tests). */
export function comboSupportOf(el: ExecutionClientDefinition, cl: ConsensusClientDefinition, network: Network): Support {
  for (const client of [el, cl]) {
    if (!client.supportedNetworks.includes(network)) {
      return { ok: false, reason: `${client.displayName} does not support ${network}` };
    }
  }
  if (el.engineApi.fork !== cl.engineApi.fork) {
    return {
      ok: false,
      reason: `${el.displayName} speaks the ${el.engineApi.fork} Engine API but ${cl.displayName} speaks ${cl.engineApi.fork}`,
    };
  }
  return { ok: true };
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
export function validatorKeysSupport(consensus: ConsensusClientName, kind: ValidatorKeysRef['kind']): Support {
  const cl = CONSENSUS[consensus];
  if (kind === 'web3signer' && !cl.supportsWeb3signerFlags) {
    return {
      ok: false,
      reason: `the ${cl.displayName} validator client has no flag for a web3signer URL (keys are registered one by one through its API); use a Kubernetes Secret of keystores`,
    };
  }
  return { ok: true };
}
