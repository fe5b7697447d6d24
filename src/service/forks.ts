/**
 * Fork readiness in the running broker (and `ovsb forks`): each network's scheduled forks with the time
 * left, which plans' pinned releases follow them, and which live instances run releases that do (read
 * from their terraform outputs: what was really applied), which need an upgrade and to which
 * `maintenance_info` version. The clock is injected so tests and `ovsb forks --at` can set it.
 */
import { NETWORKS, type Network } from '../../modules/clients/types';
import type { Catalog } from '../catalog/catalog';
import type { CatalogPlan } from '../catalog/model';
import { LIVE_INSTANCE_STATES, type Instance } from '../operations/types';
import {
  checkReleases,
  describeBlockers,
  describeFork,
  inWindow,
  instanceReleases,
  isoSeconds,
  scheduledForks,
  windowOpens,
  type ForkCheck,
  type ReadinessBlocker,
  type RunningRelease,
  type ScheduledFork,
} from '../releases/readiness';
import type { Storage } from '../storage/types';
import type { DiversityData } from '../diversity/data';
import type { Logger } from '../log';
import { datasetFreshness, DEFAULT_DATA_MAX_AGE_DAYS, staleWarning, type DatasetFreshness } from '../releases/freshness';

export interface ForkServiceProps {
  readonly catalog: Catalog;
  readonly storage: Pick<Storage, 'listInstances'>;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** The diversity shares in use, for the data freshness report. @default none */
  readonly diversityData?: () => DiversityData;
  /** Days after which a data set is reported stale. @default 30 */
  readonly maxDataAgeDays?: number;
  /** Stale data is logged at start and daily. @default none */
  readonly logger?: Logger;
}

/** An instance's standing for one fork. */
export type InstanceReadiness =
  | { readonly status: 'ready' }
  /** Its plan's pins now follow the fork: an update to that maintenance_info version makes it ready. */
  | { readonly status: 'upgrade-required'; readonly upgradeTo: string; readonly blockers: readonly ReadinessBlocker[] }
  /** No pin in the catalog follows the fork yet: the operator must bump the plan's releases first. */
  | { readonly status: 'no-ready-release'; readonly blockers: readonly ReadinessBlocker[] }
  /** The outputs do not name the releases (never applied). */
  | { readonly status: 'unknown' };

export interface InstanceForkView {
  readonly instanceId: string;
  readonly planId: string;
  readonly planName: string;
  readonly serviceName: string;
  readonly stackName: string;
  readonly state: Instance['state'];
  readonly releases: readonly RunningRelease[];
  readonly maintenanceInfoVersion?: string;
  readonly readiness: InstanceReadiness;
}

export interface PlanGroup {
  /** `geth v1.16.7 + lighthouse v8.3.3`, or `mev-boost 1.10` */
  readonly releases: string;
  readonly ready: boolean;
  readonly reason?: string;
  readonly stackNames: readonly string[];
}

export interface ForkView {
  readonly network: Network;
  readonly fork: string;
  readonly epoch: number;
  readonly time: string;
  readonly secondsUntil: number;
  readonly activated: boolean;
  /** When new provisions of unready plans start being refused. */
  readonly windowOpens: string;
  readonly windowOpen: boolean;
  readonly source: string;
  readonly plans: { readonly ready: number; readonly notReady: number; readonly groups: readonly PlanGroup[] };
  readonly instances: {
    readonly ready: number;
    readonly upgradeRequired: number;
    readonly noReadyRelease: number;
    readonly unknown: number;
    readonly list: readonly InstanceForkView[];
  };
}

export interface ForksOverview {
  readonly now: string;
  readonly windowDays: number;
  readonly releaseData: { readonly observed: string; readonly changed: string };
  readonly forks: readonly ForkView[];
  readonly dataFreshness: readonly DatasetFreshness[];
  /** Stale data, said in words. */
  readonly warnings: readonly string[];
}

export class ForkService {
  readonly #catalog: Catalog;
  readonly #storage: ForkServiceProps['storage'];
  readonly #clock: () => Date;
  readonly #props: ForkServiceProps;
  #timer: NodeJS.Timeout | undefined;

  constructor(props: ForkServiceProps) {
    this.#props = props;
    this.#catalog = props.catalog;
    this.#storage = props.storage;
    this.#clock = props.clock ?? (() => new Date());
  }

  get maxDataAgeDays(): number {
    return this.#props.maxDataAgeDays ?? DEFAULT_DATA_MAX_AGE_DAYS;
  }

  /** Every bundled data set with its observed and changed dates and whether it is stale now. */
  freshness(): DatasetFreshness[] {
    const lido = Object.fromEntries(
      this.#catalog.config.networks.flatMap((n) => {
        const rules = this.#catalog.lidoRules(n.network);
        return rules === undefined ? [] : [[n.network, rules] as const];
      }),
    );
    const diversity = this.#props.diversityData?.() ?? { networks: {} };
    return datasetFreshness({ releases: this.#catalog.releaseData, diversity, lido }, this.#clock(), this.maxDataAgeDays);
  }

  /** The stale-data warning, or undefined when every data set is fresh. */
  staleWarning(): string | undefined {
    return staleWarning(this.freshness().filter((d) => d.stale), this.maxDataAgeDays);
  }

  /** Logs stale data now and once a day. */
  start(): void {
    const check = () => {
      const warning = this.staleWarning();
      if (warning !== undefined) this.#props.logger?.warn({ stale: this.freshness().filter((d) => d.stale).map((d) => d.dataset) }, warning);
    };
    check();
    this.#timer = setInterval(check, 86_400_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  now(): Date {
    return this.#clock();
  }

  get windowDays(): number {
    return this.#catalog.forkWindowDays;
  }

  /** Scheduled forks of the offered networks, oldest first. */
  scheduled(): ScheduledFork[] {
    const offered = new Set(this.#catalog.plans.map((plan) => plan.network));
    return NETWORKS.filter((network) => offered.has(network))
      .flatMap((network) => scheduledForks(network, this.#catalog.releaseData))
      .sort((a, b) => Date.parse(a.activation.time) - Date.parse(b.activation.time));
  }

  /** The first fork the plan is not ready for whose refusal window is open now; undefined when none. */
  refusal(plan: CatalogPlan): ForkCheck | undefined {
    const now = this.#clock();
    return this.#catalog.forkChecks(plan).find((check) => !check.ready && inWindow(check, this.windowDays, now));
  }

  /** An instance's standing for each scheduled fork of its network. */
  instanceReadiness(instance: Instance, plan: CatalogPlan): { fork: ScheduledFork; releases: RunningRelease[]; readiness: InstanceReadiness }[] {
    const data = this.#catalog.releaseData;
    const releases = instanceReleases(plan, instance.outputs);
    return scheduledForks(plan.network, data).map((fork) => {
      if (releases === undefined) return { fork, releases: [], readiness: { status: 'unknown' } };
      const check = checkReleases(releases, fork, data);
      if (check.ready) return { fork, releases, readiness: { status: 'ready' } };
      const planReady = this.#catalog.forkChecks(plan).find((c) => c.activation === fork.activation)?.ready === true;
      return {
        fork,
        releases,
        readiness: planReady
          ? { status: 'upgrade-required', upgradeTo: plan.maintenanceInfo.version, blockers: check.blockers }
          : { status: 'no-ready-release', blockers: check.blockers },
      };
    });
  }

  /** OSB `metadata.labels` of a fetched instance: its standing for the next scheduled fork. */
  instanceLabels(instance: Instance): Record<string, string> {
    const plan = this.#catalog.findPlan(instance.serviceId, instance.planId);
    if (plan === undefined) return {};
    const [next] = this.instanceReadiness(instance, plan);
    if (next === undefined) return {};
    const { fork, readiness } = next;
    return {
      fork: `${fork.name} on ${fork.network}`,
      fork_time: fork.activation.time,
      fork_readiness: readiness.status,
      ...(readiness.status === 'upgrade-required' && { upgrade_to_maintenance_info_version: readiness.upgradeTo }),
      ...((readiness.status === 'upgrade-required' || readiness.status === 'no-ready-release') && { fork_readiness_reason: describeBlockers(readiness.blockers) }),
    };
  }

  async overview(): Promise<ForksOverview> {
    const now = this.#clock();
    const data = this.#catalog.releaseData;
    const instances = await this.#storage.listInstances({ states: LIVE_INSTANCE_STATES });
    const forks = this.scheduled().map((fork): ForkView => {
      const plans = this.#catalog.plans.filter((plan) => plan.network === fork.network);
      const groups = new Map<string, { ready: boolean; reason?: string; stackNames: string[] }>();
      let ready = 0;
      for (const plan of plans) {
        const check = this.#catalog.forkChecks(plan).find((c) => c.activation === fork.activation)!;
        if (check.ready) ready++;
        const key = plan.kind === 'node' ? `${plan.execution.client} ${plan.execution.version} + ${plan.consensus.client} ${plan.consensus.version}` : `mev-boost ${plan.mevBoost.version}`;
        const group = groups.get(key) ?? { ready: check.ready, ...(!check.ready && { reason: describeBlockers(check.blockers) }), stackNames: [] };
        group.stackNames.push(plan.stackName);
        groups.set(key, group);
      }
      const list = instances.flatMap((instance): InstanceForkView[] => {
        const plan = this.#catalog.findPlan(instance.serviceId, instance.planId);
        if (plan === undefined || plan.network !== fork.network) return [];
        const entry = this.instanceReadiness(instance, plan).find((r) => r.fork.activation === fork.activation)!;
        return [
          {
            instanceId: instance.id,
            planId: plan.id,
            planName: plan.name,
            serviceName: plan.serviceName,
            stackName: plan.stackName,
            state: instance.state,
            releases: entry.releases,
            ...(instance.maintenanceInfoVersion !== undefined && { maintenanceInfoVersion: instance.maintenanceInfoVersion }),
            readiness: entry.readiness,
          },
        ];
      });
      const count = (status: InstanceReadiness['status']) => list.filter((i) => i.readiness.status === status).length;
      const at = Date.parse(fork.activation.time);
      return {
        network: fork.network,
        fork: fork.name,
        epoch: fork.activation.epoch,
        time: fork.activation.time,
        secondsUntil: Math.round((at - now.getTime()) / 1000),
        activated: at <= now.getTime(),
        windowOpens: isoSeconds(windowOpens(fork, this.windowDays)),
        windowOpen: inWindow(fork, this.windowDays, now),
        source: fork.activation.source,
        plans: {
          ready,
          notReady: plans.length - ready,
          groups: [...groups].map(([releases, g]) => ({ releases, ...g })).sort((a, b) => Number(a.ready) - Number(b.ready) || a.releases.localeCompare(b.releases)),
        },
        instances: {
          ready: count('ready'),
          upgradeRequired: count('upgrade-required'),
          noReadyRelease: count('no-ready-release'),
          unknown: count('unknown'),
          list,
        },
      };
    });
    const dataFreshness = this.freshness();
    const warning = this.staleWarning();
    return {
      now: isoSeconds(now),
      windowDays: this.windowDays,
      releaseData: { observed: data.observed, changed: data.changed },
      forks,
      dataFreshness,
      warnings: warning === undefined ? [] : [warning],
    };
  }
}

/** The 422 text of a provision refused for a fork: the fork, its time, why, and what would be ready. */
export function forkRefusalMessage(plan: CatalogPlan, check: ForkCheck, windowDays: number, readyAlternatives: readonly string[]): string {
  const alternatives =
    readyAlternatives.length > 0
      ? ` Plans of the same kind that are ready: ${readyAlternatives.slice(0, 5).join(', ')}${readyAlternatives.length > 5 ? ` and ${readyAlternatives.length - 5} more` : ''}.`
      : '';
  return (
    `plan ${plan.stackName} is not ready for ${describeFork(check)}: ${describeBlockers(check.blockers)}. ` +
    `New provisions of plans that do not follow a fork are refused from ${windowDays} days before it (${isoSeconds(windowOpens(check, windowDays))}) on; ` +
    `the plan stays in the catalog so existing instances can be upgraded once the operator pins a ready release.${alternatives}`
  );
}
