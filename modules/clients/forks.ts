/**
 * Which client releases can follow which network: each network's current fork, and per client the first
 * release that follows each fork. A release older than that cannot follow the chain past the fork (it
 * stops importing blocks, or forks off), so the catalog and `buildNodeTopology` refuse it. The Engine API
 * an EL and a CL speak on a network is that of the network's fork; a release's own newest Engine API is
 * the newest fork it follows.
 *
 * Data, with the source of each figure. Where a source gives no exact first release, the figure is a
 * release known to follow the fork (conservative: it may refuse an older release that would have worked,
 * never accept one that cannot). A client with no sourced release for a fork has none here: every
 * release of it is refused on networks that run the fork. Keep it current: a new fork is a new `FORKS`
 * entry, a new column of `FIRST_RELEASES`, and the network's line in `NETWORK_FORKS` once it activates
 * there; a release that schedules a fork a network then postpones goes into `FORKS_OFF`.
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
  /**
   * How a proposer gets blocks from external builders: `mev-boost`, the out-of-protocol builder API
   * through the MEV-Boost sidecar; or `in-protocol`, enshrined proposer-builder separation (EIP-7732),
   * where the beacon node takes builders' bids itself and MEV-Boost has no part.
   */
  readonly builders: 'mev-boost' | 'in-protocol';
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
    builders: 'mev-boost',
  },
  // execution-apis src/engine/amsterdam.md: engine_newPayloadV5 and engine_getPayloadV6 (block access lists).
  // builders: Gloas enshrines PBS (EIP-7732). Prysm docs "Use builders after Gloas (ePBS)": "no MEV-Boost
  // needed", "from the fork on, --http-mev-relay on the beacon node and --enable-builder on the validator
  // client have no effect", builders are listed in the validator client's proposer settings. Lodestar
  // v1.50.0 notes: from Gloas the beacon node answers register_validator with 410, external builders go
  // to the validator client (--builder.urls). Lighthouse book gloas_builder_config.md: builders are listed in
  // the validator client's builder_definitions.yml. eth-docker#2816: MEV-Boost is to be removed after the fork.
  amsterdam: {
    upgrade: 'Glamsterdam',
    layers: 'Amsterdam/Gloas',
    engineApi: {
      fork: 'amsterdam',
      version: 'V5',
      methods: ['engine_newPayloadV5', 'engine_getPayloadV6'],
      label: 'V5 (Amsterdam/Gloas: engine_newPayloadV5, engine_getPayloadV6)',
    },
    builders: 'in-protocol',
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
  // for 2026-10-26 and postponed with no new date (Nethermind 2.2.1 notes: "Hoodi stays on BPO2"); the
  // releases that had scheduled it fork off Hoodi and are refused there (`FORKS_OFF`).
  hoodi: { fork: 'osaka', since: '2025-10-28' },
  // Glamsterdam at epoch 353024, 2026-10-06 13:53:36 UTC (EF blog 2026-09-17 "Glamsterdam Testnet
  // Announcement"; Teku 26.9.1 notes), activated on that date (GIWA node v0.6.1 notes).
  sepolia: { fork: 'amsterdam', since: '2026-10-06' },
};

type ClientName = ExecutionClientName | ConsensusClientName;

/**
 * Per client, the first release (image tag) known to follow each fork: the minimum the broker accepts.
 * Undefined: no release notes found that name a release following the fork, so none is accepted on a
 * network that runs it.
 */
export const FIRST_RELEASES: Readonly<Record<ClientName, Readonly<Record<Fork, string | undefined>>>> = {
  // osaka: the mainnet releases of the EF blog "Fusaka Mainnet Announcement" (2025-11-06, client release
  // table as listed in nix-community/ethereum.nix#751). They are required on the testnets too
  // (conservative: the earlier testnet-only releases are not tracked here).
  // amsterdam: each client's own release notes saying the release follows Sepolia's Glamsterdam. (Rocket
  // Pool Smart Node v1.25.1, the source used before, covers mainnet and Hoodi only, not Sepolia.)
  //
  // geth: Sepolia's Amsterdam was scheduled by go-ethereum#35734 (merged 2026-09-21); no release notes
  // naming the first release with it were found.
  geth: { osaka: 'v1.16.7', amsterdam: undefined },
  // nethermind 2.1.0 notes: "Upgrade every Sepolia node to 2.1.0" (Glamsterdam, nethermind#13455).
  nethermind: { osaka: '1.35.2', amsterdam: '2.1.0' },
  // besu: scheduled by besu-eth/besu#11333 (merged 2026-09-21); no release notes naming the release found.
  besu: { osaka: '25.11.0', amsterdam: undefined },
  // erigon v3.7.1 notes: "Upgrade Sepolia nodes before 6 Oct" (Glamsterdam).
  erigon: { osaka: 'v3.2.2', amsterdam: 'v3.7.1' },
  // osaka: v1.9.0 was the first Fusaka release; v1.9.1 replaced it as a hotfix "critical from v1.9.0"
  // (reth notes). amsterdam: v2.7.0 notes schedule Sepolia's Amsterdam (reth#27350).
  reth: { osaka: 'v1.9.1', amsterdam: 'v2.7.0' },
  // amsterdam: v8.3.2, the release Sigma Prime's Anchor v1.4.1 notes require for Sepolia ("Run Lighthouse
  // v8.3.2 or another BN release that does not schedule the Hoodi fork"); conservative: the first
  // Sepolia release may be older (v8.3.0 and v8.3.1 fork off Hoodi anyway).
  lighthouse: { osaka: 'v8.0.0', amsterdam: 'v8.3.2' },
  // osaka: v7.0.0: "our initial mainnet release for the Ethereum mainnet Fulu fork" (prysm v7.0.0 notes);
  // the v6.1.x releases only knew the testnet forks. amsterdam: v7.2.0 notes schedule Sepolia's Gloas.
  prysm: { osaka: 'v7.0.0', amsterdam: 'v7.2.0' },
  // amsterdam: 26.9.1 is "a required update for the Sepolia network for the upcoming Glamsterdam (Gloas)
  // fork" (Teku 26.9.1 notes): the exact first release.
  teku: { osaka: '25.11.0', amsterdam: '26.9.1' },
  // nimbus: no release notes naming a release that follows Sepolia's Gloas were found.
  nimbus: { osaka: 'v25.11.0', amsterdam: undefined },
  // amsterdam: v1.49.0 notes schedule Sepolia's Gloas (lodestar#10119).
  lodestar: { osaka: 'v1.36.0', amsterdam: 'v1.49.0' },
  // grandine: "Schedule Sepolia Glamsterdam" (grandine#927) is open; only 3.0.0-rc.1 (Obol CDVN v2.0.0-rc2)
  // is said to be Gloas-ready, a release candidate, with no Sepolia notes.
  grandine: { osaka: '2.0.0', amsterdam: undefined },
};

/** Releases that scheduled a fork a network then postponed: they leave that network at the old date. */
export interface ForkOff {
  readonly network: Network;
  readonly fork: Fork;
  /** The first release known to schedule it (conservative: where unsure, an earlier one). */
  readonly from: string;
  /** The first later release that unscheduled it. */
  readonly fixedIn: string;
}

/**
 * Per client, the releases that scheduled Hoodi's Glamsterdam (2026-10-26, postponed): on Hoodi they fork
 * off the chain at that date, so they are refused there.
 */
export const FORKS_OFF: Readonly<Partial<Record<ClientName, readonly ForkOff[]>>> = {
  // 2.2.0 scheduled it; 2.2.1 notes: removes Glamsterdam from Hoodi ("Hoodi stays on BPO2").
  nethermind: [{ network: 'hoodi', fork: 'amsterdam', from: '2.2.0', fixedIn: '2.2.1' }],
  // v2.8.0 scheduled it; v2.8.1 notes unschedule Hoodi's Amsterdam.
  reth: [{ network: 'hoodi', fork: 'amsterdam', from: 'v2.8.0', fixedIn: 'v2.8.1' }],
  // v3.8.0 scheduled it; v3.8.1 notes unschedule it.
  erigon: [{ network: 'hoodi', fork: 'amsterdam', from: 'v3.8.0', fixedIn: 'v3.8.1' }],
  // 26.10.0 scheduled it (besu notes); 26.10.1 unscheduled it (Rocket Pool Smart Node v1.25.1, which pins
  // it for Hoodi; besu's own 26.10.1 notes were not found).
  besu: [{ network: 'hoodi', fork: 'amsterdam', from: '26.10.0', fixedIn: '26.10.1' }],
  // v8.3.0 and v8.3.1 scheduled it; v8.3.2 notes disable Hoodi's Gloas.
  lighthouse: [{ network: 'hoodi', fork: 'amsterdam', from: 'v8.3.0', fixedIn: 'v8.3.2' }],
  // v7.3.0 scheduled it; v7.3.1 notes: a single change unscheduling Hoodi's Gloas.
  prysm: [{ network: 'hoodi', fork: 'amsterdam', from: 'v7.3.0', fixedIn: 'v7.3.1' }],
  // 26.10.1 scheduled it (Rocket Pool v1.25.0, Obol CDVN); 26.10.0 counted in (conservative); 26.10.2
  // notes unschedule it.
  teku: [{ network: 'hoodi', fork: 'amsterdam', from: '26.10.0', fixedIn: '26.10.2' }],
  // v1.50.0 scheduled it; v1.50.1 notes unschedule it.
  lodestar: [{ network: 'hoodi', fork: 'amsterdam', from: 'v1.50.0', fixedIn: 'v1.50.1' }],
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

/**
 * The first release of `client` that follows the fork `network` runs now; `version` is undefined when no
 * release of it is known to.
 */
export function minimumRelease(client: ClientName, network: Network): { readonly fork: Fork; readonly version: string | undefined } {
  const { fork } = NETWORK_FORKS[network];
  return { fork, version: FIRST_RELEASES[client][fork] };
}

/** The newest fork a release follows; undefined for a release older than every fork here. */
export function newestFork(client: ClientName, version: string): Fork | undefined {
  return [...FORK_ORDER].reverse().find((fork) => {
    const first = FIRST_RELEASES[client][fork];
    return first !== undefined && isAtLeast(version, first);
  });
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
export function forkName(fork: Fork): string {
  return `${FORKS[fork].upgrade} (${FORKS[fork].layers})`;
}

/**
 * Why a release cannot follow a network, naming the client, its version and the minimum; undefined when
 * it can.
 */
export function releaseShortfall(client: ClientName, version: string, network: Network): string | undefined {
  const { fork, version: minimum } = minimumRelease(client, network);
  const runs = `${forkName(fork)}, which ${network} runs since ${NETWORK_FORKS[network].since}`;
  if (minimum === undefined) {
    return `no ${client} release is known to follow ${runs} (modules/clients/forks.ts lists none with a source); do not offer ${network} with ${client}`;
  }
  if (!isAtLeast(version, minimum)) {
    const what = releaseNumber(version) ? `is older than ${minimum}` : `has no release number to compare with ${minimum}`;
    return `${client} ${version} ${what}, the minimum ${client} release for ${runs}; pin ${minimum} or later`;
  }
  const off = (FORKS_OFF[client] ?? []).find(
    (entry) => entry.network === network && isAtLeast(version, entry.from) && !isAtLeast(version, entry.fixedIn),
  );
  if (off) {
    return `${client} ${version} schedules ${forkName(off.fork)} on ${network}, which ${network} postponed, so it forks off ${network}; pin ${off.fixedIn} or later`;
  }
  return undefined;
}
