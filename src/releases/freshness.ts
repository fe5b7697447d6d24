/**
 * How old the bundled facts are. Each data set says when it was last observed (someone or something
 * checked the source) and when its source last changed; a data set observed longer ago than the
 * maximum age is stale: `/diversity`, `/forks`, `/metrics` and the log say so, `/ready` does not fail
 * (old facts are no reason to stop serving).
 */
import type { ReleaseData } from '../../modules/clients/release-data';
import type { Network } from '../../modules/clients/types';
import type { LidoNetworkConfig } from '../catalog/config';
import type { DiversityData } from '../diversity/data';

/** Days after which a data set is stale. */
export const DEFAULT_DATA_MAX_AGE_DAYS = 30;

export interface DatasetFreshness {
  /** `releases`, `diversity.mainnet.execution`, `lido-relays.hoodi`, ... */
  readonly dataset: string;
  /** YYYY-MM-DD */
  readonly observed: string;
  /** YYYY-MM-DD */
  readonly changed: string;
  readonly ageSeconds: number;
  readonly stale: boolean;
}

export interface FreshnessInputs {
  readonly releases: ReleaseData;
  readonly diversity: DiversityData;
  readonly lido: Readonly<Partial<Record<Network, LidoNetworkConfig>>>;
}

const dayStart = (date: string): number => Date.parse(`${date}T00:00:00Z`);

export function datasetFreshness(inputs: FreshnessInputs, now: Date, maxAgeDays: number = DEFAULT_DATA_MAX_AGE_DAYS): DatasetFreshness[] {
  const entry = (dataset: string, observed: string, changed: string): DatasetFreshness => {
    const ageSeconds = Math.max(0, Math.round((now.getTime() - dayStart(observed)) / 1000));
    return { dataset, observed, changed, ageSeconds, stale: ageSeconds > maxAgeDays * 86_400 };
  };
  const out = [entry('releases', inputs.releases.observed, inputs.releases.changed)];
  for (const [network, layers] of Object.entries(inputs.diversity.networks)) {
    for (const [layer, snapshot] of Object.entries(layers ?? {})) {
      if (snapshot) out.push(entry(`diversity.${network}.${layer}`, snapshot.observed ?? snapshot.date, snapshot.changed ?? snapshot.date));
    }
  }
  for (const [network, lido] of Object.entries(inputs.lido)) {
    const list = lido?.relayAllowList;
    if (list?.observed !== undefined) out.push(entry(`lido-relays.${network}`, list.observed, list.changed ?? list.observed));
  }
  return out;
}

/** `releases observed 2026-10-01 (66 days ago, older than 30)`, for warnings. */
export function staleWarning(stale: readonly DatasetFreshness[], maxAgeDays: number): string | undefined {
  if (stale.length === 0) return undefined;
  const list = stale.map((d) => `${d.dataset} observed ${d.observed} (${Math.floor(d.ageSeconds / 86_400)} days ago)`).join(', ');
  return `data older than ${maxAgeDays} days: ${list}; refresh it (ovsb releases refresh, the diversity refresh, the Lido allow-list from chain) and check its sources`;
}
