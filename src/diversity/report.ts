/**
 * Views of the shares for visibility: a JSON report (GET /diversity) and flat rows (Prometheus gauges,
 * charts). Networks appear when either published data or live validators exist for them.
 */
import { NETWORKS, type Network } from '../../modules/clients/types';
import { LAYERS, type DiversityData, type Layer, type LayerShares } from './data';
import { operatorShares, type LedgerEntry } from './ledger';
import type { DiversityThresholds } from './policy';
import { statusOfShare, statusThresholdsOf, type DiversityStatus, type StatusThresholds } from './status';

export type ShareScope = 'network' | 'operator';

export interface ShareRow {
  readonly network: Network;
  readonly layer: Layer;
  readonly scope: ShareScope;
  readonly client: string;
  readonly share: number;
}

export interface ClientShare {
  readonly client: string;
  readonly share: number;
  readonly status: DiversityStatus;
}

export interface PublishedLayer {
  readonly source: string;
  readonly url: string;
  readonly date: string;
  /** Largest first. */
  readonly clients: readonly ClientShare[];
}

export interface OperatorLayer {
  readonly validators: number;
  readonly clients: readonly ClientShare[];
}

export interface LayerReport {
  /** Published network-wide shares. @default none (no data for the network) */
  readonly network?: PublishedLayer;
  readonly operator: OperatorLayer;
}

export interface DiversityReport {
  readonly networks: Readonly<Partial<Record<Network, Readonly<Record<Layer, LayerReport>>>>>;
}

/** A layer as a chart or the dashboard shows it: the operator part only where its reader may see it. */
export interface ShownLayer {
  /** @default none (no published data) */
  readonly network?: PublishedLayer;
  /** @default none: network-wide data only (the public dashboard) */
  readonly operator?: OperatorLayer;
}

export interface ShownReport {
  readonly networks: Readonly<Partial<Record<Network, Readonly<Record<Layer, ShownLayer>>>>>;
}

/** Each network's diversity policy (catalog.yaml), for the statuses. */
export type NetworkPolicies = Readonly<Partial<Record<Network, DiversityThresholds>>>;

function networksOf(data: DiversityData, ledger: readonly LedgerEntry[]): Network[] {
  return NETWORKS.filter(
    (network) => data.networks[network] !== undefined || operatorShares(ledger, network).totalWeight > 0,
  );
}

const sortedClients = (shares: LayerShares, thresholds: StatusThresholds): ClientShare[] =>
  Object.entries(shares)
    .map(([client, share]) => ({ client, share, status: statusOfShare(share, thresholds) }))
    .sort((a, b) => b.share - a.share || a.client.localeCompare(b.client));

function published(data: DiversityData, network: Network, layer: Layer, thresholds: StatusThresholds): PublishedLayer | undefined {
  const snapshot = data.networks[network]?.[layer];
  return snapshot && { source: snapshot.source, url: snapshot.url, date: snapshot.date, clients: sortedClients(snapshot.shares, thresholds) };
}

/** The report behind GET /diversity; statuses follow each network's policy (statusThresholdsOf). */
export function diversityReport(data: DiversityData, ledger: readonly LedgerEntry[], policies: NetworkPolicies = {}): DiversityReport {
  const networks: Partial<Record<Network, Record<Layer, LayerReport>>> = {};
  for (const network of networksOf(data, ledger)) {
    const operator = operatorShares(ledger, network);
    const thresholds = statusThresholdsOf(policies[network]);
    const layers = {} as Record<Layer, LayerReport>;
    for (const layer of LAYERS) {
      const shares = published(data, network, layer, thresholds);
      layers[layer] = {
        ...(shares && { network: shares }),
        operator: { validators: operator.totalWeight, clients: sortedClients(operator.shares[layer], thresholds) },
      };
    }
    networks[network] = layers;
  }
  return { networks };
}

/** Published network-wide shares only (nothing about the operator's validators): the public dashboard. */
export function publishedReport(data: DiversityData, policies: NetworkPolicies = {}): ShownReport {
  const networks: Partial<Record<Network, Record<Layer, ShownLayer>>> = {};
  for (const network of networksOf(data, [])) {
    const thresholds = statusThresholdsOf(policies[network]);
    const layers = {} as Record<Layer, ShownLayer>;
    for (const layer of LAYERS) {
      const shares = published(data, network, layer, thresholds);
      layers[layer] = shares ? { network: shares } : {};
    }
    networks[network] = layers;
  }
  return { networks };
}

/** One row per network, layer, scope and client. */
export function shareRows(data: DiversityData, ledger: readonly LedgerEntry[]): ShareRow[] {
  const rows: ShareRow[] = [];
  for (const network of networksOf(data, ledger)) {
    const operator = operatorShares(ledger, network);
    for (const layer of LAYERS) {
      const snapshot = data.networks[network]?.[layer];
      for (const [client, share] of Object.entries(snapshot?.shares ?? {})) rows.push({ network, layer, scope: 'network', client, share });
      for (const [client, share] of Object.entries(operator.shares[layer])) rows.push({ network, layer, scope: 'operator', client, share });
    }
  }
  return rows;
}
