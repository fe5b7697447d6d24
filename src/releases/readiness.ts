/**
 * Fork readiness: whether a plan's pinned releases (or the releases an instance really runs) follow the
 * forks a network has scheduled after the release data was observed. Pure: the clock is an argument.
 *
 * The forks checked are the activations later than the data's observed day; earlier ones are required
 * of every pin when the catalog loads (modules/clients/forks.ts `releaseShortfall`). A fork whose
 * builders are in-protocol (EIP-7732) ends MEV-Boost on its network: MEV-Boost plans are never ready.
 */
import { forkName, forkReadiness, observedAt } from '../../modules/clients/forks';
import type { ForkActivation, ReleaseClient, ReleaseData } from '../../modules/clients/release-data';
import type { Network } from '../../modules/clients/types';
import type { CatalogPlan } from '../catalog/model';

/** A client release as pinned or as running. */
export interface RunningRelease {
  readonly client: ReleaseClient;
  readonly version: string;
}

/** Why one release is not ready for a fork. */
export interface ReadinessBlocker {
  readonly client: ReleaseClient;
  readonly version: string;
  /** `missing`: it does not schedule the fork; `forks-off`: it schedules a cancelled date; `ends`: MEV-Boost has no part after the fork. */
  readonly cause: 'missing' | 'forks-off' | 'ends';
  /** The first release known to follow the fork; undefined when none is (or the client ends). */
  readonly minimum?: string;
}

/** One scheduled fork on one network, as the data has it. */
export interface ScheduledFork {
  readonly network: Network;
  readonly activation: ForkActivation;
  /** `Glamsterdam (Amsterdam/Gloas)` */
  readonly name: string;
}

export interface ForkCheck extends ScheduledFork {
  readonly ready: boolean;
  readonly blockers: readonly ReadinessBlocker[];
}

/** The forks `network` activates after the data was observed (the ones readiness is about), oldest first. */
export function scheduledForks(network: Network, data: ReleaseData): ScheduledFork[] {
  const observed = observedAt(data).getTime();
  return data.networks[network].forks
    .filter((activation) => Date.parse(activation.time) > observed)
    .map((activation) => ({ network, activation, name: forkName(activation.fork, data) }));
}

/** Whether every release follows `fork`. */
export function checkReleases(releases: readonly RunningRelease[], fork: ScheduledFork, data: ReleaseData): ForkCheck {
  const endsMevBoost = data.forks[fork.activation.fork].builders === 'in-protocol';
  const blockers = releases.flatMap((release): ReadinessBlocker[] => {
    if (release.client === 'mev-boost') return endsMevBoost ? [{ ...release, cause: 'ends' }] : [];
    const readiness = forkReadiness(release.client, release.version, fork.network, fork.activation, data);
    if (readiness.ready) return [];
    return [{ ...release, cause: readiness.cause, ...(readiness.minimum !== undefined && { minimum: readiness.minimum }) }];
  });
  return { ...fork, ready: blockers.length === 0, blockers };
}

/**
 * The releases a plan pins that decide whether its node stays on the chain. A validator's MEV-Boost
 * sidecar is left out: when it lags, the beacon node builds locally; a MEV-Boost plan is nothing else.
 */
export function planReleases(plan: CatalogPlan): RunningRelease[] {
  if (plan.kind === 'mev-boost') return [{ client: 'mev-boost', version: plan.mevBoost.version }];
  return [plan.execution, plan.consensus].map(({ client, version }) => ({ client, version }));
}

/** Every scheduled fork of the plan's network, checked against its pins. */
export function planForkChecks(plan: CatalogPlan, data: ReleaseData): ForkCheck[] {
  return scheduledForks(plan.network, data).map((fork) => checkReleases(planReleases(plan), fork, data));
}

/** The releases an instance runs, from its terraform outputs; undefined when the outputs do not say. */
export function instanceReleases(plan: CatalogPlan, outputs: Readonly<Record<string, unknown>>): RunningRelease[] | undefined {
  const text = (key: string) => (typeof outputs[key] === 'string' ? (outputs[key] as string) : undefined);
  if (plan.kind === 'mev-boost') {
    const version = text('mev_boost_version');
    return version === undefined ? undefined : [{ client: 'mev-boost', version }];
  }
  const execution = text('execution_version');
  const consensus = text('consensus_version');
  if (execution === undefined || consensus === undefined) return undefined;
  return [
    { client: plan.execution.client, version: execution },
    { client: plan.consensus.client, version: consensus },
  ];
}

/** `geth v1.16.7 does not schedule it (first: v1.16.9)`, one clause per blocker. */
export function describeBlockers(blockers: readonly ReadinessBlocker[]): string {
  return blockers
    .map((b) => {
      switch (b.cause) {
        case 'ends':
          return `MEV-Boost has no part from this fork on (builders bid in-protocol, EIP-7732)`;
        case 'forks-off':
          return `${b.client} ${b.version} schedules a date that was cancelled (it forks off); ${b.minimum ? `${b.minimum} or later follows the fork` : 'no release is known to follow the fork'}`;
        case 'missing':
          return `${b.client} ${b.version} does not schedule it; ${b.minimum ? `${b.minimum} or later does` : `no ${b.client} release is known to yet`}`;
      }
    })
    .join('; ');
}

/** `Glamsterdam (Amsterdam/Gloas) on hoodi at 2026-12-15T19:12:24Z (epoch 143616)` */
export const describeFork = (fork: ScheduledFork): string =>
  `${fork.name} on ${fork.network} at ${fork.activation.time} (epoch ${fork.activation.epoch})`;

/** `2026-12-01T19:12:24Z`: ISO 8601 to the second, as the release data writes times. */
export const isoSeconds = (date: Date): string => date.toISOString().replace('.000Z', 'Z');

/** When new provisions of an unready plan start being refused: `windowDays` before the fork. */
export const windowOpens = (fork: ScheduledFork, windowDays: number): Date => new Date(Date.parse(fork.activation.time) - windowDays * 86_400_000);

/** Whether `now` is inside the refusal window of `fork` (from `windowDays` before it on, after it too). */
export const inWindow = (fork: ScheduledFork, windowDays: number, now: Date): boolean => now.getTime() >= windowOpens(fork, windowDays).getTime();
