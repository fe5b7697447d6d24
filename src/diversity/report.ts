/**
 * Views of the shares for visibility: a JSON report (GET /diversity) and flat rows (Prometheus gauges,
 * charts). Networks appear when either published data or live validators exist for them.
 */
import { NETWORKS, type Network } from '../../modules/clients/types';
import { LAYERS, type DiversityData, type Layer, type LayerShares } from './data';
import { operatorShares, type LedgerEntry } from './ledger';
import { statusOfShare, type DiversityStatus } from './status';

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

export interface LayerReport {
  /** Published network-wide shares, largest first. @default none (no data for the network) */
  readonly network?: {
    readonly source: string;
    readonly url: string;
    readonly date: string;
    readonly clients: readonly ClientShare[];
  };
  readonly operator: { readonly validators: number; readonly clients: readonly ClientShare[] };
}

export interface DiversityReport {
  readonly networks: Readonly<Partial<Record<Network, Readonly<Record<Layer, LayerReport>>>>>;
}

function networksOf(data: DiversityData, ledger: readonly LedgerEntry[]): Network[] {
  return NETWORKS.filter(
    (network) => data.networks[network] !== undefined || operatorShares(ledger, network).totalWeight > 0,
  );
}

const sortedClients = (shares: LayerShares, warn: number | undefined): ClientShare[] =>
  Object.entries(shares)
    .map(([client, share]) => ({ client, share, status: statusOfShare(share, warn === undefined ? {} : { warn }) }))
    .sort((a, b) => b.share - a.share || a.client.localeCompare(b.client));

/** The report behind GET /diversity; `warn` gives each network's warn share for the statuses. */
export function diversityReport(
  data: DiversityData,
  ledger: readonly LedgerEntry[],
  warn: Readonly<Partial<Record<Network, number>>> = {},
): DiversityReport {
  const networks: Partial<Record<Network, Record<Layer, LayerReport>>> = {};
  for (const network of networksOf(data, ledger)) {
    const operator = operatorShares(ledger, network);
    const layers = {} as Record<Layer, LayerReport>;
    for (const layer of LAYERS) {
      const snapshot = data.networks[network]?.[layer];
      layers[layer] = {
        ...(snapshot && {
          network: { source: snapshot.source, url: snapshot.url, date: snapshot.date, clients: sortedClients(snapshot.shares, warn[network]) },
        }),
        operator: { validators: operator.totalWeight, clients: sortedClients(operator.shares[layer], warn[network]) },
      };
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
