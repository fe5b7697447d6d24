/**
 * Network-wide client shares per layer, with where and when they were measured. Shares are data:
 * shipped in data/diversity.json, refreshed by the operator (./source.ts), never constants in code.
 */
import { CONSENSUS_CLIENTS, EXECUTION_CLIENTS, NETWORKS, type Network } from '../../modules/clients/types';
import { ConfigError } from '../errors';

export const LAYERS = ['execution', 'consensus'] as const;
export type Layer = (typeof LAYERS)[number];

/** Clients a source names that the broker does not offer in that layer (Caplin, "unknown", ...). */
export const OTHER_CLIENT = 'other';

/** Client id (or `other`) -> share of the layer in [0, 1]. Clients a source does not list have no entry. */
export type LayerShares = Readonly<Record<string, number>>;

export const LAYER_CLIENTS: Readonly<Record<Layer, readonly string[]>> = {
  execution: EXECUTION_CLIENTS,
  consensus: CONSENSUS_CLIENTS,
};

export interface LayerSnapshot {
  readonly shares: LayerShares;
  /** Who measured, how, e.g. "Miga Labs crawler via clientdiversity.org". */
  readonly source: string;
  /** Where the data came from and is refreshed from. */
  readonly url: string;
  /** Day of the measurement, YYYY-MM-DD. */
  readonly date: string;
  /** Day someone or a refresh last checked the source, YYYY-MM-DD. @default `date` */
  readonly observed?: string;
  /** First day of the source's current values (a feed can repeat a day's numbers for months), YYYY-MM-DD. @default `date` */
  readonly changed?: string;
  /**
   * Active validators on the network when the source counts validators (not nodes); lets the policy
   * weigh a provision against the whole network. @default unknown: shares are used as published
   */
  readonly validatorsTotal?: number;
}

export type NetworkSnapshots = Readonly<Partial<Record<Layer, LayerSnapshot>>>;

export interface DiversityData {
  readonly networks: Readonly<Partial<Record<Network, NetworkSnapshots>>>;
}

/** Shares may fall short of 1 (a source leaving some validators unclassified) but never exceed it by more than rounding. */
export const SHARE_SUM_TOLERANCE = 0.01;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const isIsoDate = (text: string): boolean => DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));

function record(source: string, path: string, value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(source, path, `expected an object, got ${JSON.stringify(value) ?? typeof value}`);
  }
  return value as Readonly<Record<string, unknown>>;
}

function text(source: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(source, path, 'expected a non-empty string');
  return value;
}

/** Checks a layer's shares: known client ids or `other`, each in [0, 1], summing to at most 1. */
export function checkShares(source: string, path: string, layer: Layer, value: unknown): LayerShares {
  const shares = record(source, path, value);
  let sum = 0;
  const out: Record<string, number> = {};
  for (const [client, share] of Object.entries(shares)) {
    if (client !== OTHER_CLIENT && !LAYER_CLIENTS[layer].includes(client)) {
      throw new ConfigError(source, `${path}.${client}`, `"${client}" is not a ${layer} client; use one of ${LAYER_CLIENTS[layer].join(', ')} or "${OTHER_CLIENT}"`);
    }
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
      throw new ConfigError(source, `${path}.${client}`, `share ${JSON.stringify(share)} must be a fraction between 0 and 1 (0.25 for 25%)`);
    }
    out[client] = share;
    sum += share;
  }
  if (sum > 1 + SHARE_SUM_TOLERANCE) {
    throw new ConfigError(source, path, `shares add up to ${sum.toFixed(4)}; they must not exceed 1 (write 0.25 for 25%)`);
  }
  return out;
}

function parseSnapshot(source: string, path: string, layer: Layer, value: unknown): LayerSnapshot {
  const fields = record(source, path, value);
  for (const key of Object.keys(fields)) {
    if (!['shares', 'source', 'url', 'date', 'observed', 'changed', 'validatorsTotal'].includes(key)) {
      throw new ConfigError(source, `${path}.${key}`, 'unknown field; allowed: shares, source, url, date, observed, changed, validatorsTotal');
    }
  }
  const day = (key: string): string | undefined => {
    if (fields[key] === undefined && key !== 'date') return undefined;
    const value = text(source, `${path}.${key}`, fields[key]);
    if (!isIsoDate(value)) throw new ConfigError(source, `${path}.${key}`, `"${value}" is not a date in YYYY-MM-DD form`);
    return value;
  };
  const date = day('date')!;
  const observed = day('observed');
  const changed = day('changed');
  if (changed !== undefined && changed > date) throw new ConfigError(source, `${path}.changed`, `${changed} is after the measurement date ${date}; the values cannot have changed later than they were measured`);
  if (observed !== undefined && observed < date) throw new ConfigError(source, `${path}.observed`, `${observed} is before the measurement date ${date}; observed is when the source was last checked`);
  const total = fields['validatorsTotal'];
  if (total !== undefined && (typeof total !== 'number' || !Number.isInteger(total) || total < 1)) {
    throw new ConfigError(source, `${path}.validatorsTotal`, `expected a positive whole number of validators, got ${JSON.stringify(total)}`);
  }
  return {
    shares: checkShares(source, `${path}.shares`, layer, fields['shares']),
    source: text(source, `${path}.source`, fields['source']),
    url: text(source, `${path}.url`, fields['url']),
    date,
    ...(observed !== undefined && { observed }),
    ...(changed !== undefined && { changed }),
    ...(total !== undefined && { validatorsTotal: total as number }),
  };
}

/** Parses data/diversity.json (or a refreshed copy); throws ConfigError naming the path and the fix. */
export function parseDiversityData(document: unknown, source: string): DiversityData {
  const root = record(source, '', document);
  for (const key of Object.keys(root)) {
    if (key !== 'networks' && key !== '$comment') throw new ConfigError(source, key, 'unknown field; allowed: networks, $comment');
  }
  const networks: Partial<Record<Network, NetworkSnapshots>> = {};
  for (const [network, layers] of Object.entries(record(source, 'networks', root['networks']))) {
    if (!(NETWORKS as readonly string[]).includes(network)) {
      throw new ConfigError(source, `networks.${network}`, `unknown network; use one of ${NETWORKS.join(', ')}`);
    }
    const snapshots: Partial<Record<Layer, LayerSnapshot>> = {};
    for (const [layer, snapshot] of Object.entries(record(source, `networks.${network}`, layers))) {
      if (!(LAYERS as readonly string[]).includes(layer)) {
        throw new ConfigError(source, `networks.${network}.${layer}`, `unknown layer; use ${LAYERS.join(' or ')}`);
      }
      snapshots[layer as Layer] = parseSnapshot(source, `networks.${network}.${layer}`, layer as Layer, snapshot);
    }
    networks[network as Network] = snapshots;
  }
  return { networks };
}

/** A copy of `data` with one layer's snapshot replaced. */
export function withSnapshot(data: DiversityData, network: Network, layer: Layer, snapshot: LayerSnapshot): DiversityData {
  return { networks: { ...data.networks, [network]: { ...data.networks[network], [layer]: snapshot } } };
}

/** The share of a client in a snapshot; a client the source does not list has 0. */
export const shareOf = (snapshot: LayerSnapshot, client: string): number => snapshot.shares[client] ?? 0;
