/**
 * Diversity status of a client or a combo, for catalog metadata (the service's `diversity` field),
 * GET /diversity, suggestions and the dashboard: minority below the warn share, then warn, majority
 * (>= 50%: a buggy majority client's fork is the head for most validators) and supermajority (at the
 * refuse share, 66% by default: it could finalize its own chain). The 50% and 66% limits are
 * clientdiversity.org's `has_majority` / `has_supermajority`.
 *
 * Every view takes its thresholds from the network's policy through statusThresholdsOf, so a share has
 * the same status wherever it is shown and "supermajority" is exactly what the policy refuses.
 */
import type { ConsensusClientName, ExecutionClientName } from '../../modules/clients/types';
import { LAYERS, shareOf, type Layer, type NetworkSnapshots } from './data';
import type { DiversityThresholds } from './policy';

export type DiversityStatus = 'unknown' | 'minority' | 'warn' | 'majority' | 'supermajority';

/** Ordered from least to most concentrated; `unknown` ranks lowest so any known status wins. */
export const STATUS_ORDER: readonly DiversityStatus[] = ['unknown', 'minority', 'warn', 'majority', 'supermajority'];

export interface StatusThresholds {
  /** @default 0.33, the finality limit */
  readonly warn: number;
  /** @default 0.5 */
  readonly majority: number;
  /** @default 0.66 */
  readonly supermajority: number;
}

export const DEFAULT_STATUS_THRESHOLDS: StatusThresholds = { warn: 0.33, majority: 0.5, supermajority: 0.66 };

/**
 * The status thresholds of a network's policy (catalog.yaml `networks.<n>.diversity`): warn at its warn
 * share, supermajority at its refuse share, majority at 50% (or the refuse share, if lower).
 * Without a policy, the defaults (33% / 50% / 66%).
 */
export function statusThresholdsOf(policy: DiversityThresholds | undefined): StatusThresholds {
  if (policy === undefined) return DEFAULT_STATUS_THRESHOLDS;
  return { warn: policy.warn, majority: Math.min(DEFAULT_STATUS_THRESHOLDS.majority, policy.refuse), supermajority: policy.refuse };
}

export function statusOfShare(share: number | undefined, thresholds: Partial<StatusThresholds> = {}): DiversityStatus {
  if (share === undefined) return 'unknown';
  const t = { ...DEFAULT_STATUS_THRESHOLDS, ...thresholds };
  if (share >= t.supermajority) return 'supermajority';
  if (share >= t.majority) return 'majority';
  if (share >= t.warn) return 'warn';
  return 'minority';
}

export const worstStatus = (statuses: readonly DiversityStatus[]): DiversityStatus =>
  statuses.reduce((worst, s) => (STATUS_ORDER.indexOf(s) > STATUS_ORDER.indexOf(worst) ? s : worst), 'unknown');

/** The shape of the catalog's service `diversity` metadata (without incentives). */
export interface ComboStatus {
  /** The worse of the two layers. */
  readonly status: DiversityStatus;
  readonly execution: DiversityStatus;
  readonly consensus: DiversityStatus;
  /** e.g. "consensus: Miga Labs crawler via clientdiversity.org, 2026-08-21; execution: ..." @default none */
  readonly source?: string;
}

/** Where a network's shares came from, one clause per layer. */
export function describeSources(snapshots: NetworkSnapshots | undefined): string | undefined {
  const parts = LAYERS.flatMap((layer: Layer) => {
    const snapshot = snapshots?.[layer];
    return snapshot ? [`${layer}: ${snapshot.source}, ${snapshot.date}`] : [];
  });
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * A combo's standing from the network's published shares. A layer without data is `unknown`; a client
 * the source does not list holds 0 (minority).
 */
export function comboStatus(
  snapshots: NetworkSnapshots | undefined,
  combo: { readonly execution: ExecutionClientName; readonly consensus: ConsensusClientName },
  thresholds: Partial<StatusThresholds> = {},
): ComboStatus {
  const layerStatus = (layer: Layer): DiversityStatus => {
    const snapshot = snapshots?.[layer];
    return statusOfShare(snapshot && shareOf(snapshot, combo[layer]), thresholds);
  };
  const execution = layerStatus('execution');
  const consensus = layerStatus('consensus');
  const source = describeSources(snapshots);
  return { status: worstStatus([execution, consensus]), execution, consensus, ...(source !== undefined && { source }) };
}
