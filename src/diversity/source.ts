/**
 * The diversity data in use, with its I/O at the edges: loading a data file, refreshing a layer from a
 * clientdiversity.org-format URL, and saving the result. A failed refresh keeps the last good data and
 * says so.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORKS, type Network } from '../../modules/clients/types';
import { ConfigError } from '../errors';
import { parseClientDiversityFeed } from './clientdiversity';
import { LAYERS, parseDiversityData, withSnapshot, type DiversityData, type Layer, type LayerSnapshot } from './data';

/** The shares shipped with the package, given its root (src/catalog/load.ts `packageRoot()`), never the cwd. */
export const bundledDiversityDataPath = (packageRoot: string): string => join(packageRoot, 'data', 'diversity.json');

export function loadDiversityData(path: string): DiversityData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, '', `cannot read the diversity data file: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, '', `not JSON: ${(error as Error).message}`);
  }
  return parseDiversityData(document, path);
}

export interface StartupData {
  readonly data: DiversityData;
  /** Which layers came from the refreshed file and why, one sentence each (log at info). */
  readonly notes: readonly string[];
  /** Why a refreshed file was not used (log at warn). @default none */
  readonly problem?: string;
}

/**
 * The shares to start with: the operator's or bundled file (`basePath`; unreadable is a ConfigError, the
 * broker cannot start without data), and, when refreshing is on, the last refresh kept in
 * `refreshedPath`. Per network and layer the newer snapshot by date wins (a tie keeps the base file's:
 * the operator's explicit choice), so a newer OVSB_DIVERSITY_DATA or package update is never hidden by an
 * old refresh. A missing refreshed file is normal (nothing refreshed yet); a corrupt one is skipped with a
 * note, never a reason not to start.
 */
export function loadStartupData(basePath: string, refreshedPath?: string): StartupData {
  const base = loadDiversityData(basePath);
  if (refreshedPath === undefined || !existsSync(refreshedPath)) return { data: base, notes: [] };
  let refreshed: DiversityData;
  try {
    refreshed = loadDiversityData(refreshedPath);
  } catch (error) {
    return {
      data: base,
      notes: [],
      problem: `the refreshed diversity data ${refreshedPath} is unusable (${(error as Error).message}); using ${basePath} until the next successful refresh replaces it`,
    };
  }
  let data = base;
  const notes: string[] = [];
  for (const network of NETWORKS) {
    for (const layer of LAYERS) {
      const fromBase = base.networks[network]?.[layer];
      const fromRefresh = refreshed.networks[network]?.[layer];
      if (fromRefresh === undefined || (fromBase !== undefined && fromRefresh.date <= fromBase.date)) continue;
      data = withSnapshot(data, network, layer, fromRefresh);
      notes.push(`${network} ${layer} shares from ${refreshedPath} (${fromRefresh.date}), newer than ${fromBase === undefined ? `none in ${basePath}` : `${basePath}'s (${fromBase.date})`}`);
    }
  }
  return { data, notes };
}

/** Writes the data readable by its owner only (0600), replacing the file atomically. */
export function saveDiversityData(path: string, data: DiversityData): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The part of a fetch Response a refresh uses. */
export interface FeedResponse {
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}

/** `fetch` or a stand-in with the same call shape. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<FeedResponse>;

export interface RefreshTarget {
  readonly network: Network;
  readonly layer: Layer;
  /** A URL serving a clientdiversity.org data file, e.g. .../_data/migalabs.json. */
  readonly url: string;
  /** Who measures, shown with the shares, e.g. "Miga Labs crawler via clientdiversity.org". */
  readonly source: string;
}

export type RefreshResult =
  | { readonly ok: true; readonly network: Network; readonly layer: Layer; readonly date: string }
  | {
      readonly ok: false;
      readonly network: Network;
      readonly layer: Layer;
      readonly error: string;
      /** Date of the data still in use; undefined when there is none for that layer. */
      readonly keptFrom: string | undefined;
    };

export interface DiversityDataSourceOptions {
  /** Where refreshed data is saved (0600). @default not saved: refreshes last until restart */
  readonly persistPath?: string;
  /** @default 15000 */
  readonly timeoutMs?: number;
}

/** Feeds are a few hundred KB; anything far larger is not one. */
const MAX_FEED_BYTES = 32 * 1024 * 1024;

/** URL without query or credentials, for messages: an operator's URL may carry a token. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

export class DiversityDataSource {
  private data: DiversityData;

  constructor(
    initial: DiversityData,
    private readonly options: DiversityDataSourceOptions = {},
  ) {
    this.data = initial;
  }

  current(): DiversityData {
    return this.data;
  }

  snapshot(network: Network, layer: Layer): LayerSnapshot | undefined {
    return this.data.networks[network]?.[layer];
  }

  /** Fetches, checks and (when configured) saves one layer's shares; on any failure keeps the data in use. */
  async refresh(target: RefreshTarget, fetchImpl: FetchLike = fetch): Promise<RefreshResult> {
    const { network, layer } = target;
    const previous = this.snapshot(network, layer);
    const failed = (error: string): RefreshResult => ({
      ok: false,
      network,
      layer,
      error: `refreshing ${network} ${layer} shares from ${shownUrl(target.url)} failed: ${error}`,
      keptFrom: previous?.date,
    });
    let body: string;
    try {
      const response = await fetchImpl(target.url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) });
      if (!response.ok) return failed(`HTTP ${response.status}`);
      body = await response.text();
    } catch (error) {
      return failed((error as Error).message);
    }
    if (body.length > MAX_FEED_BYTES) return failed(`the response is ${body.length} characters, too large for a data file`);
    let snapshot: LayerSnapshot;
    try {
      const feed = parseClientDiversityFeed(JSON.parse(body), layer);
      snapshot = {
        shares: feed.shares,
        source: target.source,
        url: target.url,
        // A feed that repeats old numbers under new dates measured nothing new: date the numbers.
        date: feed.changed,
        observed: [feed.date, new Date().toISOString().slice(0, 10)].sort()[1]!,
        changed: feed.changed,
        ...(feed.validatorsTotal !== undefined && { validatorsTotal: feed.validatorsTotal }),
      };
    } catch (error) {
      return failed((error as Error).message);
    }
    if (previous && snapshot.date < previous.date) {
      return failed(`its newest data (${snapshot.date}) is older than the data in use (${previous.date})`);
    }
    const next = withSnapshot(this.data, network, layer, snapshot);
    if (this.options.persistPath !== undefined) {
      try {
        saveDiversityData(this.options.persistPath, next);
      } catch (error) {
        return failed(`the data could not be saved to ${this.options.persistPath}: ${(error as Error).message}`);
      }
    }
    this.data = next;
    return { ok: true, network, layer, date: snapshot.date };
  }
}
