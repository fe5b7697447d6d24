/**
 * clientdiversity.org's daily data files (`_data/migalabs.json`, `_data/supermajority.json`, ...):
 *   [{ "date": "YYYY-MM-DD", "data": { "distribution": [{ "name", "value" }], "other": { ... } } }, ...]
 * with values as fractions. The newest entry wins, wherever it sits in the array.
 */
import { ExternalError } from '../errors';
import { LAYER_CLIENTS, OTHER_CLIENT, SHARE_SUM_TOLERANCE, isIsoDate, type Layer, type LayerShares } from './data';

export interface FeedSnapshot {
  readonly date: string;
  /** First day of the newest run of entries with these same shares: when the values last changed. */
  readonly changed: string;
  readonly shares: LayerShares;
  /** `data.other.validators_total` when the source counts validators. @default none */
  readonly validatorsTotal?: number;
}

/** Spellings sources use for a client of the layer, beyond its id in any case. */
const ALIASES: Readonly<Record<Layer, Readonly<Record<string, string>>>> = {
  execution: { 'go-ethereum': 'geth', 'hyperledger besu': 'besu', 'erigon/caplin': 'erigon' },
  consensus: { 'prysmatic labs': 'prysm' },
};

/**
 * A source's client name -> our client id, or `other` for names we do not offer in that layer
 * (Erigon's embedded Caplin in the consensus data, `unknown`, `other`).
 */
export function normalizeClientName(name: string, layer: Layer): string {
  const lower = name.trim().toLowerCase();
  const id = ALIASES[layer][lower] ?? lower;
  return LAYER_CLIENTS[layer].includes(id) ? id : OTHER_CLIENT;
}

const fail = (reason: string): never => {
  throw new ExternalError(`clientdiversity.org data: ${reason}`, { source: 'diversity feed' });
};

/** The newest entry of a clientdiversity.org data file as shares of one layer. */
export function parseClientDiversityFeed(document: unknown, layer: Layer): FeedSnapshot {
  const newest = parseEntry(document, layer);
  // Sources repeat a day's numbers for months; the date the numbers last moved is the honest one.
  let changed = newest.date;
  const older = (document as unknown[])
    .filter((entry): entry is { date: string } => typeof entry === 'object' && entry !== null && typeof (entry as { date?: unknown }).date === 'string' && isIsoDate((entry as { date: string }).date))
    .filter((entry) => entry.date < newest.date)
    .sort((a, b) => (a.date < b.date ? 1 : -1));
  for (const entry of older) {
    let shares: LayerShares;
    try {
      shares = parseEntry([entry], layer).shares;
    } catch {
      break;
    }
    if (!sameShares(shares, newest.shares)) break;
    changed = entry.date;
  }
  return { ...newest, changed };
}

function sameShares(a: LayerShares, b: LayerShares): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => Math.abs((a[key] ?? 0) - (b[key] ?? 0)) < 1e-9);
}

function parseEntry(document: unknown, layer: Layer): Omit<FeedSnapshot, 'changed'> {
  if (!Array.isArray(document)) return fail('expected an array of daily entries [{ date, data: { distribution } }]');
  let newest: { date: string; entry: Readonly<Record<string, unknown>> } | undefined;
  for (const entry of document as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const date = (entry as { date?: unknown }).date;
    if (typeof date !== 'string' || !isIsoDate(date)) continue;
    if (!newest || date > newest.date) newest = { date, entry: entry as Readonly<Record<string, unknown>> };
  }
  if (!newest) return fail('no entry has a date in YYYY-MM-DD form');
  const data = newest.entry['data'] as { distribution?: unknown; other?: { validators_total?: unknown } } | undefined;
  const distribution = data?.distribution;
  if (!Array.isArray(distribution) || distribution.length === 0) {
    return fail(`the entry of ${newest.date} has no data.distribution list`);
  }
  const shares: Record<string, number> = {};
  let sum = 0;
  for (const item of distribution as unknown[]) {
    const { name, value } = (item ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      return fail(`the entry of ${newest.date} has a distribution item that is not { name, value between 0 and 1 }: ${JSON.stringify(item)}`);
    }
    const id = normalizeClientName(name, layer);
    shares[id] = (shares[id] ?? 0) + value;
    sum += value;
  }
  if (sum > 1 + SHARE_SUM_TOLERANCE) return fail(`the shares of ${newest.date} add up to ${sum.toFixed(4)}, more than 1`);
  if (sum === 0) return fail(`the shares of ${newest.date} are all zero`);
  const total = data?.other?.validators_total;
  return {
    date: newest.date,
    shares,
    ...(typeof total === 'number' && Number.isInteger(total) && total > 0 && { validatorsTotal: total }),
  };
}
