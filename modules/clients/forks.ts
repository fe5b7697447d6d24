/**
 * Which client releases can follow which network: each network's current fork, and per client the first
 * release that follows each fork. A release older than that cannot follow the chain past the fork (it
 * stops importing blocks, or forks off), so the catalog and `buildNodeTopology` refuse it. The Engine API
 * an EL and a CL speak on a network is that of the network's fork; a release's own newest Engine API is
 * the newest fork it follows.
 *
 * Data, with the source of each figure. Where a source gives no exact first release, the figure is a
 * release known to follow the fork (conservative: it may refuse an older release that would have worked,
 * never accept one that cannot). Keep it current: a new fork is a new `FORKS` entry, a new column of
 * `FIRST_RELEASES`, and the network's line in `NETWORK_FORKS` once it activates there.
 */
import type { EngineApi } from './definition';
import type { ConsensusClientName, ExecutionClientName, Network } from './types';

export const FORK_ORDER = ['osaka', 'amsterdam'] as const;
/** An execution-layer fork name; the consensus-layer name goes with it (Osaka/Fulu, Amsterdam/Gloas). */
export type Fork = (typeof FORK_ORDER)[number];

export interface ForkInfo {
  /** The network upgrade, e.g. `Fusaka`. */
  readonly upgrade: string;
  /** Execution/consensus fork names, e.g. `Osaka/Fulu`. */
  readonly layers: string;
  readonly engineApi: EngineApi;
}

export const FORKS: Readonly<Record<Fork, ForkInfo>> = {
  // execution-apis src/engine/osaka.md: newPayload stays V4 (Prague), getPayloadV5, getBlobsV2.
  osaka: {
    upgrade: 'Fusaka',
    layers: 'Osaka/Fulu',
    engineApi: {
      fork: 'osaka',
      version: 'V4',
      methods: ['engine_newPayloadV4', 'engine_forkchoiceUpdatedV3', 'engine_getPayloadV5', 'engine_getBlobsV2'],
      label: 'V4 (Osaka/Fulu: engine_newPayloadV4, engine_getPayloadV5, engine_getBlobsV2)',
    },
  },
  // execution-apis src/engine/amsterdam.md: engine_newPayloadV5 and engine_getPayloadV6 (block access lists).
  amsterdam: {
    upgrade: 'Glamsterdam',
    layers: 'Amsterdam/Gloas',
    engineApi: {
      fork: 'amsterdam',
      version: 'V5',
      methods: ['engine_newPayloadV5', 'engine_getPayloadV6'],
      label: 'V5 (Amsterdam/Gloas: engine_newPayloadV5, engine_getPayloadV6)',
    },
  },
};

export interface NetworkFork {
  readonly fork: Fork;
  /** Activation date (UTC) on this network. */
  readonly since: string;
}

/** The fork each network runs now. */
export const NETWORK_FORKS: Readonly<Record<Network, NetworkFork>> = {
  // Fusaka at epoch 411392, 2025-12-03 21:49:11 UTC (EF blog 2025-11-06 "Fusaka Mainnet Announcement";
  // Besu 25.11.0 release notes). Glamsterdam has no mainnet date (EF blog 2026-09-17).
  mainnet: { fork: 'osaka', since: '2025-12-03' },
  // Fusaka at epoch 50688, 2025-10-28 (execution-specs osaka upgrade schedule). Glamsterdam was planned
  // for 2026-10-26 and postponed with no new date (Nethermind 2.2.1 notes: "Hoodi stays on BPO2").
  // Releases that had scheduled it (e.g. Nethermind 2.2.0) fork off Hoodi; they are newer than the
  // minimums here, so this table cannot refuse them: pin the release that unscheduled it.
  hoodi: { fork: 'osaka', since: '2025-10-28' },
  // Glamsterdam at epoch 353024, 2026-10-06 13:53:36 UTC (EF blog 2026-09-17 "Glamsterdam Testnet
  // Announcement"; Teku 26.9.1 notes), activated on that date (GIWA node v0.6.1 notes).
  sepolia: { fork: 'amsterdam', since: '2026-10-06' },
};

type ClientName = ExecutionClientName | ConsensusClientName;

/** Per client, the first release (image tag) known to follow each fork: the minimum the broker accepts. */
export const FIRST_RELEASES: Readonly<Record<ClientName, Readonly<Record<Fork, string>>>> = {
  // osaka: the mainnet releases of the EF blog "Fusaka Mainnet Announcement" (2025-11-06, client release
  // table as listed in nix-community/ethereum.nix#751). They are required on the testnets too
  // (conservative: the earlier testnet-only releases are not tracked here).
  // amsterdam: the releases of Rocket Pool Smart Node v1.25.1 (2026-10-23), which follow Sepolia past
  // Glamsterdam (conservative: the first Sepolia releases may be older), except where noted.
  geth: { osaka: 'v1.16.7', amsterdam: 'v1.17.10' },
  nethermind: { osaka: '1.35.2', amsterdam: '2.2.1' },
  besu: { osaka: '25.11.0', amsterdam: '26.10.1' },
  erigon: { osaka: 'v3.2.2', amsterdam: 'v3.8.1' },
  // v1.9.0 was the first Fusaka release; v1.9.1 replaced it as a hotfix "critical from v1.9.0" (reth notes).
  reth: { osaka: 'v1.9.1', amsterdam: 'v2.8.1' },
  lighthouse: { osaka: 'v8.0.0', amsterdam: 'v8.3.2' },
  // v7.0.0: "our initial mainnet release for the Ethereum mainnet Fulu fork" (prysm v7.0.0 notes);
  // the v6.1.x releases only knew the testnet forks.
  prysm: { osaka: 'v7.0.0', amsterdam: 'v7.3.1' },
  // amsterdam: 26.9.1 is "a required update for the Sepolia network for the upcoming Glamsterdam (Gloas)
  // fork" (Teku 26.9.1 notes): the exact first release.
  teku: { osaka: '25.11.0', amsterdam: '26.9.1' },
  nimbus: { osaka: 'v25.11.0', amsterdam: 'v26.10.2' },
  lodestar: { osaka: 'v1.36.0', amsterdam: 'v1.50.1' },
  // amsterdam: Obol CDVN v2.0.0-rc2 (2026-10-22) lists grandine 3.0.0-rc.1 as Gloas-ready; a release,
  // not a release candidate, is required.
  grandine: { osaka: '2.0.0', amsterdam: '3.0.0' },
};

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

/** The first release of `client` that follows the fork `network` runs now. */
export function minimumRelease(client: ClientName, network: Network): { readonly fork: Fork; readonly version: string } {
  const { fork } = NETWORK_FORKS[network];
  return { fork, version: FIRST_RELEASES[client][fork] };
}

/** The newest fork a release follows; undefined for a release older than every fork here. */
export function newestFork(client: ClientName, version: string): Fork | undefined {
  return [...FORK_ORDER].reverse().find((fork) => isAtLeast(version, FIRST_RELEASES[client][fork]));
}

/** The Engine API both layers speak on a network: its current fork's. */
export function networkEngineApi(network: Network): EngineApi {
  return FORKS[NETWORK_FORKS[network].fork].engineApi;
}

/** Describes a fork for messages: `Fusaka (Osaka/Fulu)`. */
export function forkName(fork: Fork): string {
  return `${FORKS[fork].upgrade} (${FORKS[fork].layers})`;
}

/**
 * Why a release cannot follow a network, naming the client, its version and the minimum; undefined when
 * it can.
 */
export function releaseShortfall(client: ClientName, version: string, network: Network): string | undefined {
  const { fork, version: minimum } = minimumRelease(client, network);
  if (isAtLeast(version, minimum)) return undefined;
  const what = releaseNumber(version) ? `is older than ${minimum}` : `has no release number to compare with ${minimum}`;
  return `${client} ${version} ${what}, the minimum ${client} release for ${forkName(fork)}, which ${network} runs since ${NETWORK_FORKS[network].since}; pin ${minimum} or later`;
}
