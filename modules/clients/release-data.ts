/**
 * The release data (data/releases.json): each network's fork schedule and, per client, which releases
 * follow which fork on which network, which scheduled a date a network then cancelled, the known
 * releases (with security and urgency flags) and the command-line flags releases removed or deprecated.
 * Every fact carries its source. Data, not code: `ovsb releases refresh` adds releases from the clients'
 * feeds, people add the fork facts from release notes.
 *
 * The bundled file is imported here (no file access at run time), so synthesis stays a function of its
 * inputs; `parseReleaseData` also checks other files of the same format (`ovsb releases check --data`).
 */
import bundled from '../../data/releases.json';
import { CONSENSUS_CLIENTS, EXECUTION_CLIENTS, NETWORKS, type ConsensusClientName, type ExecutionClientName, type Network } from './types';

export const FORK_ORDER = ['osaka', 'amsterdam'] as const;
/** An execution-layer fork name; the consensus-layer name goes with it (Osaka/Fulu, Amsterdam/Gloas). */
export type Fork = (typeof FORK_ORDER)[number];

/** Clients the release data tracks: the node clients and MEV-Boost. */
export const RELEASE_CLIENTS = [...EXECUTION_CLIENTS, ...CONSENSUS_CLIENTS, 'mev-boost'] as const;
export type ReleaseClient = ExecutionClientName | ConsensusClientName | 'mev-boost';

export interface EngineApiInfo {
  /** `V4`: the newest engine_newPayload version of the fork. */
  readonly version: string;
  readonly methods: readonly string[];
  readonly source: string;
}

export interface ForkDefinition {
  /** The network upgrade, e.g. `Fusaka`. */
  readonly upgrade: string;
  /** Execution/consensus fork names, e.g. `Osaka/Fulu`. */
  readonly layers: string;
  readonly engineApi: EngineApiInfo;
  /**
   * How a proposer gets blocks from external builders: `mev-boost` (the out-of-protocol builder API) or
   * `in-protocol` (enshrined proposer-builder separation, EIP-7732: MEV-Boost has no part).
   */
  readonly builders: 'mev-boost' | 'in-protocol';
  readonly source: string;
}

/** A date a network had set for a fork and then dropped. */
export interface CancelledActivation {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  /** @default unknown */
  readonly epoch?: number;
  readonly source: string;
}

/** A fork's activation on one network. */
export interface ForkActivation {
  readonly fork: Fork;
  readonly epoch: number;
  /** ISO 8601 UTC. */
  readonly time: string;
  readonly source: string;
  /** Earlier dates that were set and dropped. @default none */
  readonly cancelled?: readonly CancelledActivation[];
}

export interface NetworkSchedule {
  /** Activations with a date, oldest first. */
  readonly forks: readonly ForkActivation[];
  /** Forks planned without a date yet (not checked for readiness). @default none */
  readonly planned?: readonly { readonly fork: Fork; readonly note: string; readonly source: string }[];
}

/** From `from` on, the client's releases follow `fork` on these networks (the first release known to). */
export interface FollowsEntry {
  readonly fork: Fork;
  readonly networks: readonly Network[];
  readonly from: string;
  readonly source: string;
}

/** Releases from `from` up to (not including) `fixedIn` scheduled a date the network cancelled: they fork off there. */
export interface ForkOffEntry {
  readonly network: Network;
  readonly fork: Fork;
  readonly from: string;
  readonly fixedIn: string;
  readonly source: string;
}

export const URGENCIES = ['critical', 'high', 'medium', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface KnownRelease {
  readonly version: string;
  /** Publication date, YYYY-MM-DD. @default unknown (no source gives it) */
  readonly date?: string;
  /** Fixes a vulnerability. */
  readonly security: boolean;
  /** The client team's own urgency label, where it gives one. @default none */
  readonly urgency?: Urgency;
  /** What matters in it, in a line. @default none */
  readonly note?: string;
  readonly source: string;
}

export interface FlagChange {
  /** As passed on the command line, e.g. `--enable-discv5-discovery`. */
  readonly flag: string;
  /** `removed`: the client refuses to start with it; `deprecated`: accepted, to be removed. */
  readonly status: 'removed' | 'deprecated';
  /** The first release where the status holds. */
  readonly since: string;
  /** @default none */
  readonly note?: string;
  readonly source: string;
}

export interface ClientReleaseData {
  readonly layer: 'execution' | 'consensus' | 'middleware';
  /** `owner/name` on GitHub: where `ovsb releases refresh` reads releases. */
  readonly repository: string;
  readonly follows: readonly FollowsEntry[];
  /** @default none */
  readonly forksOff?: readonly ForkOffEntry[];
  /** Newest first is not required; every version must have a release number. */
  readonly releases: readonly KnownRelease[];
  /** @default none */
  readonly flags?: readonly FlagChange[];
}

export interface ReleaseData {
  /** When someone last checked the sources (YYYY-MM-DD). */
  readonly observed: string;
  /** When a source last changed what is recorded here (YYYY-MM-DD): the newest fact's date. */
  readonly changed: string;
  readonly forks: Readonly<Record<Fork, ForkDefinition>>;
  readonly networks: Readonly<Record<Network, NetworkSchedule>>;
  readonly clients: Readonly<Record<ReleaseClient, ClientReleaseData>>;
}

/** A release data file breaks its format: names the file, the field and what is wrong. */
export class ReleaseDataError extends Error {
  override readonly name = 'ReleaseDataError';
  constructor(
    readonly source: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${source}: ${path}: ${reason}`);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const RELEASE = /\d+\.\d+/;

/** Checks a parsed release data file and returns it typed; throws ReleaseDataError naming the field. */
export function parseReleaseData(json: unknown, source: string): ReleaseData {
  const fail = (path: string, reason: string): never => {
    throw new ReleaseDataError(source, path, reason);
  };
  const object = (value: unknown, path: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(path, `must be an object, got ${JSON.stringify(value)}`);
  const array = (value: unknown, path: string): unknown[] => (Array.isArray(value) ? value : fail(path, `must be a list, got ${JSON.stringify(value)}`));
  const text = (value: unknown, path: string): string =>
    typeof value === 'string' && value.trim() !== '' ? value : fail(path, `must be a non-empty string, got ${JSON.stringify(value)}`);
  const matching = (value: unknown, path: string, pattern: RegExp, what: string): string => {
    const s = text(value, path);
    return pattern.test(s) ? s : fail(path, `must be ${what}, got "${s}"`);
  };
  const oneOf = <T extends string>(value: unknown, path: string, allowed: readonly T[]): T =>
    allowed.includes(value as T) ? (value as T) : fail(path, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  const release = (value: unknown, path: string) => matching(value, path, RELEASE, 'a release with a number (e.g. v1.2.3)');
  const date = (value: unknown, path: string) => matching(value, path, DATE, 'a date YYYY-MM-DD');
  const time = (value: unknown, path: string) => matching(value, path, TIME, 'a UTC time YYYY-MM-DDTHH:MM:SSZ');
  const epoch = (value: unknown, path: string): number =>
    Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : fail(path, `must be a whole epoch number, got ${JSON.stringify(value)}`);
  const optional = <T>(value: unknown, read: (v: unknown) => T): T | undefined => (value === undefined ? undefined : read(value));

  const root = object(json, '(root)');
  const observed = date(root['observed'], 'observed');
  const changed = date(root['changed'], 'changed');
  if (changed > observed) fail('changed', `${changed} is after observed ${observed}: a source cannot change after it was last looked at`);

  const forksJson = object(root['forks'], 'forks');
  const forks = Object.fromEntries(
    FORK_ORDER.map((fork) => {
      const path = `forks.${fork}`;
      const f = object(forksJson[fork], path);
      const api = object(f['engineApi'], `${path}.engineApi`);
      const definition: ForkDefinition = {
        upgrade: text(f['upgrade'], `${path}.upgrade`),
        layers: text(f['layers'], `${path}.layers`),
        builders: oneOf(f['builders'], `${path}.builders`, ['mev-boost', 'in-protocol'] as const),
        engineApi: {
          version: text(api['version'], `${path}.engineApi.version`),
          methods: array(api['methods'], `${path}.engineApi.methods`).map((m, i) => text(m, `${path}.engineApi.methods[${i}]`)),
          source: text(api['source'], `${path}.engineApi.source`),
        },
        source: text(f['source'], `${path}.source`),
      };
      return [fork, definition];
    }),
  ) as Record<Fork, ForkDefinition>;
  for (const key of Object.keys(forksJson)) if (!(FORK_ORDER as readonly string[]).includes(key)) fail(`forks.${key}`, `unknown fork; known: ${FORK_ORDER.join(', ')}`);

  const networksJson = object(root['networks'], 'networks');
  const networks = Object.fromEntries(
    NETWORKS.map((network) => {
      const path = `networks.${network}`;
      const n = object(networksJson[network], path);
      const activations = array(n['forks'], `${path}.forks`).map((entry, i): ForkActivation => {
        const p = `${path}.forks[${i}]`;
        const a = object(entry, p);
        const cancelled = optional(a['cancelled'], (v) =>
          array(v, `${p}.cancelled`).map((c, j): CancelledActivation => {
            const cp = `${p}.cancelled[${j}]`;
            const o = object(c, cp);
            const e = optional(o['epoch'], (x) => epoch(x, `${cp}.epoch`));
            return { date: date(o['date'], `${cp}.date`), ...(e !== undefined && { epoch: e }), source: text(o['source'], `${cp}.source`) };
          }),
        );
        return {
          fork: oneOf(a['fork'], `${p}.fork`, FORK_ORDER),
          epoch: epoch(a['epoch'], `${p}.epoch`),
          time: time(a['time'], `${p}.time`),
          source: text(a['source'], `${p}.source`),
          ...(cancelled !== undefined && { cancelled }),
        };
      });
      activations.forEach((a, i) => {
        const before = activations[i - 1];
        if (before && (FORK_ORDER.indexOf(a.fork) <= FORK_ORDER.indexOf(before.fork) || a.time <= before.time)) {
          fail(`${path}.forks[${i}]`, `forks must be listed oldest first, each later than the one before (${a.fork} at ${a.time} follows ${before.fork} at ${before.time})`);
        }
      });
      const planned = optional(n['planned'], (v) =>
        array(v, `${path}.planned`).map((entry, i) => {
          const p = `${path}.planned[${i}]`;
          const o = object(entry, p);
          return { fork: oneOf(o['fork'], `${p}.fork`, FORK_ORDER), note: text(o['note'], `${p}.note`), source: text(o['source'], `${p}.source`) };
        }),
      );
      return [network, { forks: activations, ...(planned !== undefined && { planned }) }];
    }),
  ) as unknown as Record<Network, NetworkSchedule>;

  const clientsJson = object(root['clients'], 'clients');
  for (const key of Object.keys(clientsJson)) {
    if (!(RELEASE_CLIENTS as readonly string[]).includes(key)) fail(`clients.${key}`, `unknown client; known: ${RELEASE_CLIENTS.join(', ')}`);
  }
  const clients = Object.fromEntries(
    RELEASE_CLIENTS.map((client) => {
      const path = `clients.${client}`;
      const c = object(clientsJson[client], path);
      const networkList = (v: unknown, p: string) => array(v, p).map((n, i) => oneOf(n, `${p}[${i}]`, NETWORKS));
      const follows = array(c['follows'], `${path}.follows`).map((entry, i): FollowsEntry => {
        const p = `${path}.follows[${i}]`;
        const o = object(entry, p);
        return { fork: oneOf(o['fork'], `${p}.fork`, FORK_ORDER), networks: networkList(o['networks'], `${p}.networks`), from: release(o['from'], `${p}.from`), source: text(o['source'], `${p}.source`) };
      });
      const forksOff = optional(c['forksOff'], (v) =>
        array(v, `${path}.forksOff`).map((entry, i): ForkOffEntry => {
          const p = `${path}.forksOff[${i}]`;
          const o = object(entry, p);
          return {
            network: oneOf(o['network'], `${p}.network`, NETWORKS),
            fork: oneOf(o['fork'], `${p}.fork`, FORK_ORDER),
            from: release(o['from'], `${p}.from`),
            fixedIn: release(o['fixedIn'], `${p}.fixedIn`),
            source: text(o['source'], `${p}.source`),
          };
        }),
      );
      const releases = array(c['releases'], `${path}.releases`).map((entry, i): KnownRelease => {
        const p = `${path}.releases[${i}]`;
        const o = object(entry, p);
        const urgency = optional(o['urgency'], (v) => oneOf(v, `${p}.urgency`, URGENCIES));
        const note = optional(o['note'], (v) => text(v, `${p}.note`));
        if (typeof o['security'] !== 'boolean') fail(`${p}.security`, `must be true or false, got ${JSON.stringify(o['security'])}`);
        const released = optional(o['date'], (v) => date(v, `${p}.date`));
        if (released !== undefined && released > observed) fail(`${p}.date`, `${released} is after observed ${observed}`);
        return {
          version: release(o['version'], `${p}.version`),
          ...(released !== undefined && { date: released }),
          security: o['security'] as boolean,
          ...(urgency !== undefined && { urgency }),
          ...(note !== undefined && { note }),
          source: text(o['source'], `${p}.source`),
        };
      });
      const flags = optional(c['flags'], (v) =>
        array(v, `${path}.flags`).map((entry, i): FlagChange => {
          const p = `${path}.flags[${i}]`;
          const o = object(entry, p);
          const note = optional(o['note'], (x) => text(x, `${p}.note`));
          return {
            flag: matching(o['flag'], `${p}.flag`, /^--?[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a command-line flag such as --http.api'),
            status: oneOf(o['status'], `${p}.status`, ['removed', 'deprecated'] as const),
            since: release(o['since'], `${p}.since`),
            ...(note !== undefined && { note }),
            source: text(o['source'], `${p}.source`),
          };
        }),
      );
      const data: ClientReleaseData = {
        layer: oneOf(c['layer'], `${path}.layer`, ['execution', 'consensus', 'middleware'] as const),
        repository: matching(c['repository'], `${path}.repository`, /^[\w.-]+\/[\w.-]+$/, 'a GitHub owner/name'),
        follows,
        ...(forksOff !== undefined && { forksOff }),
        releases,
        ...(flags !== undefined && { flags }),
      };
      return [client, data];
    }),
  ) as Record<ReleaseClient, ClientReleaseData>;

  return { observed, changed, forks, networks, clients };
}

/** data/releases.json, checked once when this module loads. */
export const BUNDLED_RELEASE_DATA: ReleaseData = parseReleaseData(bundled, 'data/releases.json');
