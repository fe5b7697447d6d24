/**
 * Suggestions: offered combos ranked by how much they help diversity, least represented first (not a
 * uniform random pick as sedge does).
 *
 * Scoring: a layer's effective share is the larger of its client's network-wide share and its current
 * share of the operator's validators on the network (validator role only: RPC nodes carry no validator
 * weight, see ./ledger.ts). A combo is as risky as its most concentrated client, so
 *   score = 1 - max(effective execution share, effective consensus share)
 * in [0, 1], higher is better; ties go to the smaller sum of the two shares, then to the names. Current
 * (not after-provision) operator shares are used so a new operator's empty ledger ranks by the network
 * alone; the policy checks the after-provision shares.
 */
import type { ConsensusClientName, ExecutionClientName, Network, Role } from '../../modules/clients/types';
import { LAYERS, shareOf, type Layer, type NetworkSnapshots } from './data';
import { operatorShares, type LedgerEntry } from './ledger';
import { comboStatus, type DiversityStatus, type StatusThresholds } from './status';

export interface Combo {
  readonly execution: ExecutionClientName;
  readonly consensus: ConsensusClientName;
}

export interface RankingShares {
  /** Published shares of the network. @default none */
  readonly snapshots?: NetworkSnapshots;
  /** The broker's live instances (any network). @default none */
  readonly ledger?: readonly LedgerEntry[];
}

export interface LayerStanding {
  /** @default unknown (no published data) */
  readonly network?: number;
  /** Absent for the rpc role. */
  readonly operator?: number;
}

export interface RankedCombo extends Combo {
  readonly score: number;
  /** Network-wide standing of the combo (worse layer). */
  readonly status: DiversityStatus;
  readonly shares: Readonly<Record<Layer, LayerStanding>>;
}

export function rankCombos(
  network: Network,
  role: Role,
  candidates: readonly Combo[],
  shares: RankingShares,
  thresholds: Partial<StatusThresholds> = {},
): RankedCombo[] {
  const operator = role === 'validator' ? operatorShares(shares.ledger ?? [], network) : undefined;
  const ranked = candidates.map((combo) => {
    const standing = {} as Record<Layer, LayerStanding>;
    const effective: number[] = [];
    for (const layer of LAYERS) {
      const snapshot = shares.snapshots?.[layer];
      const networkShare = snapshot && shareOf(snapshot, combo[layer]);
      const operatorShare = operator && (operator.shares[layer][combo[layer]] ?? 0);
      standing[layer] = {
        ...(networkShare !== undefined && { network: networkShare }),
        ...(operatorShare !== undefined && { operator: operatorShare }),
      };
      effective.push(Math.max(networkShare ?? 0, operatorShare ?? 0));
    }
    return {
      combo: {
        execution: combo.execution,
        consensus: combo.consensus,
        score: 1 - Math.max(...effective),
        status: comboStatus(shares.snapshots, combo, thresholds).status,
        shares: standing,
      },
      sum: effective.reduce((a, b) => a + b, 0),
    };
  });
  return ranked
    .sort(
      (a, b) =>
        b.combo.score - a.combo.score ||
        a.sum - b.sum ||
        a.combo.execution.localeCompare(b.combo.execution) ||
        a.combo.consensus.localeCompare(b.combo.consensus),
    )
    .map((r) => r.combo);
}
