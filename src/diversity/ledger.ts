/**
 * The operator's own ledger: each client's share across this broker's live instances on one network,
 * weighted by the validators each instance runs.
 *
 * Weights: a validator instance counts its `validator_count` (default 1). An RPC node counts 0: it
 * neither attests nor proposes, so a bug in its clients cannot split or stall finality, which is what
 * client diversity protects.
 */
import type { ConsensusClientName, ExecutionClientName, Network, Role } from '../../modules/clients/types';
import { LAYERS, type Layer, type LayerShares } from './data';

/** One live instance as the ledger sees it (from its plan and parameters). */
export interface LedgerEntry {
  readonly instanceId: string;
  readonly network: Network;
  readonly role: Role;
  readonly execution: ExecutionClientName;
  readonly consensus: ConsensusClientName;
  /** The instance's `validator_count` parameter. @default 1 for validators */
  readonly validatorCount?: number;
}

export const validatorWeight = (entry: Pick<LedgerEntry, 'role' | 'validatorCount'>): number =>
  entry.role === 'rpc' ? 0 : (entry.validatorCount ?? 1);

export interface OperatorShares {
  readonly network: Network;
  /** Validators across the counted instances. */
  readonly totalWeight: number;
  readonly weights: Readonly<Record<Layer, Readonly<Record<string, number>>>>;
  /** Empty when totalWeight is 0. */
  readonly shares: Readonly<Record<Layer, LayerShares>>;
}

/**
 * Shares on `network`, optionally as they would be after a change: the entry with `replace`'s instance
 * id (a plan change, or a retried provision) is dropped and `replace` counted instead.
 */
export function operatorShares(entries: readonly LedgerEntry[], network: Network, replace?: LedgerEntry): OperatorShares {
  const counted = entries.filter((entry) => entry.network === network && entry.instanceId !== replace?.instanceId);
  if (replace && replace.network === network) counted.push(replace);
  const weights: Record<Layer, Record<string, number>> = { execution: {}, consensus: {} };
  let totalWeight = 0;
  for (const entry of counted) {
    const weight = validatorWeight(entry);
    if (weight === 0) continue;
    totalWeight += weight;
    for (const layer of LAYERS) weights[layer][entry[layer]] = (weights[layer][entry[layer]] ?? 0) + weight;
  }
  const shares = (layer: Layer): LayerShares =>
    totalWeight === 0 ? {} : Object.fromEntries(Object.entries(weights[layer]).map(([client, weight]) => [client, weight / totalWeight]));
  return { network, totalWeight, weights, shares: { execution: shares('execution'), consensus: shares('consensus') } };
}
