/**
 * Which client releases can follow which network, read from the release data (./release-data.ts,
 * data/releases.json): each network's fork schedule, and per client the first release that follows each
 * fork on each network. A release older than that cannot follow the chain past the fork (it stops
 * importing blocks, or forks off). A release that scheduled a date a network cancelled forks off there.
 *
 * Two views of time, both pure:
 * - "now" for synthesis and the catalog is the data's `observed` day (`NETWORK_FORKS`): what the network
 *   ran when the data was last checked, so a catalog that loads today loads tomorrow, and the fork checks
 *   that depend on the clock are the broker's (src/releases), which is handed the clock;
 * - `networkForkAt` and `forkReadiness` answer for any time or for a fork still to come.
 */
import type { EngineApi } from './definition';
import {
  BUNDLED_RELEASE_DATA,
  FORK_ORDER,
  type Fork,
  type ForkActivation,
  type ForkDefinition,
  type ForkOffEntry,
  type ReleaseClient,
  type ReleaseData,
} from './release-data';
import { NETWORKS, type ConsensusClientName, type ExecutionClientName, type Network } from './types';

export { FORK_ORDER, type Fork } from './release-data';

export interface ForkInfo {
  /** The network upgrade, e.g. `Fusaka`. */
  readonly upgrade: string;
  /** Execution/consensus fork names, e.g. `Osaka/Fulu`. */
  readonly layers: string;
  readonly engineApi: EngineApi;
  /** `mev-boost`: the out-of-protocol builder API; `in-protocol`: enshrined PBS (EIP-7732), no MEV-Boost. */
  readonly builders: 'mev-boost' | 'in-protocol';
}

function forkInfo(fork: Fork, definition: ForkDefinition): ForkInfo {
  const { engineApi } = definition;
  return {
    upgrade: definition.upgrade,
    layers: definition.layers,
    builders: definition.builders,
    engineApi: {
      fork,
      version: engineApi.version as EngineApi['version'],
      methods: engineApi.methods,
      label: `${engineApi.version} (${definition.layers}: ${engineApi.methods.join(', ')})`,
    },
  };
}

export function forksOf(data: ReleaseData): Readonly<Record<Fork, ForkInfo>> {
  return Object.fromEntries(FORK_ORDER.map((fork) => [fork, forkInfo(fork, data.forks[fork])])) as Record<Fork, ForkInfo>;
}

export const FORKS: Readonly<Record<Fork, ForkInfo>> = forksOf(BUNDLED_RELEASE_DATA);

export interface NetworkFork {
  readonly fork: Fork;
  /** Activation date (UTC, YYYY-MM-DD) on this network. */
  readonly since: string;
}

/** The fork a network runs at `at`: its newest activation at or before it. */
export function networkForkAt(network: Network, at: Date, data: ReleaseData = BUNDLED_RELEASE_DATA): NetworkFork {
  const active = activeForks(network, at, data);
  const current = active[active.length - 1];
  if (current === undefined) throw new RangeError(`the release data has no fork active on ${network} at ${at.toISOString()}`);
  return { fork: current.fork, since: current.time.slice(0, 10) };
}

/** Activations on `network` at or before `at`, oldest first. */
export function activeForks(network: Network, at: Date, data: ReleaseData = BUNDLED_RELEASE_DATA): readonly ForkActivation[] {
  return data.networks[network].forks.filter((activation) => Date.parse(activation.time) <= at.getTime());
}

/** The start of the data's observed day: the "now" of synthesis and of the catalog. */
export const observedAt = (data: ReleaseData): Date => new Date(`${data.observed}T00:00:00Z`);

/** The fork each network ran when the bundled release data was observed. */
export const NETWORK_FORKS: Readonly<Record<Network, NetworkFork>> = Object.fromEntries(
  NETWORKS.map((network) => [network, networkForkAt(network, observedAt(BUNDLED_RELEASE_DATA))]),
) as Record<Network, NetworkFork>;

type ClientName = ExecutionClientName | ConsensusClientName;

export interface ReleaseNumber {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `-rc.1`, `-beta.2`, ...: sorts before the release itself. */
  readonly prerelease: boolean;
}

const RELEASE_NUMBER = /(\d+)\.(\d+)(?:\.(\d+))?(-(?:rc|alpha|beta|pre|dev)[0-9A-Za-z.-]*)?/i;

/** The release number in an image tag (`v1.16.7`, `multiarch-v25.11.0`, `v8.0.0-rc.0`), if it has one. */
export function releaseNumber(tag: string): ReleaseNumber | undefined {
  const match = RELEASE_NUMBER.exec(tag);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), prerelease: match[4] !== undefined };
}

/** Negative when `a` is the older release. */
export function compareReleases(a: ReleaseNumber, b: ReleaseNumber): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || Number(b.prerelease) - Number(a.prerelease);
}

/** Whether `tag` is `minimum` or a later release; a tag without a release number is not. */
export function isAtLeast(tag: string, minimum: string): boolean {
  const release = releaseNumber(tag);
  const floor = releaseNumber(minimum);
  if (!floor) throw new TypeError(`minimum release "${minimum}" has no release number`);
  return release !== undefined && compareReleases(release, floor) >= 0;
}

/** The first release of `client` known to follow `fork` on `network`; undefined when none is. */
export function firstRelease(client: ReleaseClient, fork: Fork, network: Network, data: ReleaseData = BUNDLED_RELEASE_DATA): string | undefined {
  return data.clients[client].follows.find((entry) => entry.fork === fork && entry.networks.includes(network))?.from;
}

/** The cancelled date a release scheduled on `network` (it forks off there); undefined when none. */
export function forkOffOf(client: ReleaseClient, version: string, network: Network, data: ReleaseData = BUNDLED_RELEASE_DATA): ForkOffEntry | undefined {
  return (data.clients[client].forksOff ?? []).find(
    (entry) => entry.network === network && isAtLeast(version, entry.from) && !isAtLeast(version, entry.fixedIn),
  );
}

/**
 * The first release of `client` that follows the fork `network` runs now (as observed); `version` is
 * undefined when no release of it is known to.
 */
export function minimumRelease(client: ClientName, network: Network): { readonly fork: Fork; readonly version: string | undefined } {
  const { fork } = NETWORK_FORKS[network];
  return { fork, version: firstRelease(client, fork, network) };
}

/** The newest fork a release follows on some network; undefined for a release older than every fork here. */
export function newestFork(client: ClientName, version: string, data: ReleaseData = BUNDLED_RELEASE_DATA): Fork | undefined {
  return [...FORK_ORDER].reverse().find((fork) =>
    data.clients[client].follows.some((entry) => entry.fork === fork && isAtLeast(version, entry.from)),
  );
}

/** How proposers on `network` reach external builders now (its fork's `builders`). */
export function networkBuilders(network: Network): ForkInfo['builders'] {
  return FORKS[NETWORK_FORKS[network].fork].builders;
}

/** The Engine API both layers speak on a network: its current fork's. */
export function networkEngineApi(network: Network): EngineApi {
  return FORKS[NETWORK_FORKS[network].fork].engineApi;
}

/** Describes a fork for messages: `Fusaka (Osaka/Fulu)`. */
export function forkName(fork: Fork, data: ReleaseData = BUNDLED_RELEASE_DATA): string {
  return `${data.forks[fork].upgrade} (${data.forks[fork].layers})`;
}

/**
 * Why a release cannot follow a network as observed, naming the client, its version and the minimum;
 * undefined when it can.
 */
export function releaseShortfall(client: ClientName, version: string, network: Network): string | undefined {
  const { fork, version: minimum } = minimumRelease(client, network);
  const runs = `${forkName(fork)}, which ${network} runs since ${NETWORK_FORKS[network].since}`;
  if (minimum === undefined) {
    return `no ${client} release is known to follow ${runs} (data/releases.json lists none with a source); do not offer ${network} with ${client}`;
  }
  if (!isAtLeast(version, minimum)) {
    const what = releaseNumber(version) ? `is older than ${minimum}` : `has no release number to compare with ${minimum}`;
    return `${client} ${version} ${what}, the minimum ${client} release for ${runs}; pin ${minimum} or later`;
  }
  const off = forkOffOf(client, version, network);
  if (off) {
    return `${client} ${version} schedules ${forkName(off.fork)} on ${network} at a date ${network} cancelled, so it forks off ${network}; pin ${off.fixedIn} or later`;
  }
  return undefined;
}

/** Whether a release follows one fork activation: `ready`, or why not and what would be. */
export type ForkReadiness =
  | { readonly ready: true }
  | {
      readonly ready: false;
      /** The first release known to follow it; undefined when no release of the client is known to. */
      readonly minimum: string | undefined;
      /** `missing`: it does not schedule the fork; `forks-off`: it schedules a cancelled date. */
      readonly cause: 'missing' | 'forks-off';
    };

/** Whether `client` at `version` follows `activation` on `network`. */
export function forkReadiness(
  client: ReleaseClient,
  version: string,
  network: Network,
  activation: ForkActivation,
  data: ReleaseData = BUNDLED_RELEASE_DATA,
): ForkReadiness {
  const minimum = firstRelease(client, activation.fork, network, data);
  const off = forkOffOf(client, version, network, data);
  if (off !== undefined && off.fork === activation.fork) return { ready: false, minimum: minimum ?? off.fixedIn, cause: 'forks-off' };
  if (minimum !== undefined && isAtLeast(version, minimum)) return { ready: true };
  return { ready: false, minimum, cause: 'missing' };
}
