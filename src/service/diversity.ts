/**
 * Client diversity in the running broker: the published network-wide shares (refreshed from the
 * operator's feed URLs, keeping the last good data on failure), the operator's own ledger read from
 * storage, and the views built from both (report, suggestions, catalog status, metrics).
 *
 * The ledger counts instances in every state that may hold real validators (LIVE_INSTANCE_STATES),
 * including provisions still in progress, so a burst of provisions is judged on what it adds up to.
 */
import { join } from 'node:path';
import { NETWORKS, type Network, type Role } from '../../modules/clients/types';
import type { Catalog } from '../catalog/catalog';
import { packageRoot } from '../catalog/load';
import type { DiversityConfig } from '../config';
import type { NodePlan, NodeService, ServiceDiversity } from '../catalog/model';
import type { NodeParameters } from '../catalog/parameters';
import {
  bundledDiversityDataPath,
  comboStatus,
  DiversityDataSource,
  diversityReport,
  LAYERS,
  loadStartupData,
  rankCombos,
  type Combo,
  type DiversityData,
  type DiversityReport,
  type FetchLike,
  type LedgerEntry,
  type RankedCombo,
  type RefreshResult,
  type RefreshTarget,
  type StatusThresholds,
  statusThresholdsOf,
  type NetworkPolicies,
} from '../diversity';
import type { DashboardInstance } from '../diversity/dashboard-page';
import { badRequest } from '../errors';
import type { Logger } from '../log';
import { LIVE_INSTANCE_STATES, type JsonObject } from '../operations/types';
import type { Storage } from '../storage/types';

export interface DiversityServiceProps {
  readonly storage: Storage;
  readonly catalog: Catalog;
  readonly source: DiversityDataSource;
  readonly logger: Logger;
  /** Feeds refreshed by `refresh()` and the timer. @default none (the shipped data is used as it is) */
  readonly refreshTargets?: readonly RefreshTarget[];
  /** Hours between refreshes; 0 turns the timer off. @default 24 */
  readonly refreshHours?: number;
  /** @default global fetch */
  readonly fetch?: FetchLike;
}

/** How the last refresh of one feed went, for /diversity. */
export type RefreshStatus = RefreshResult & { readonly at: string };

/** GET /diversity: shares, statuses, the policy in force and how fresh the data is. */
export interface DiversityOverview extends DiversityReport {
  readonly thresholds: Readonly<Partial<Record<Network, { readonly warn: number; readonly refuse: number }>>>;
  readonly refresh: readonly RefreshStatus[];
}

/** The ledger entry of an instance with this plan and these parameters; undefined for MEV-Boost plans. */
export function ledgerEntryOf(catalog: Catalog, instanceId: string, serviceId: string, planId: string, parameters: JsonObject): LedgerEntry | undefined {
  const plan = catalog.findPlan(serviceId, planId);
  if (plan === undefined || plan.kind !== 'node') return undefined;
  const count = (parameters as NodeParameters).validator_count;
  return {
    instanceId,
    network: plan.network,
    role: plan.role,
    execution: plan.execution.client,
    consensus: plan.consensus.client,
    ...(typeof count === 'number' && { validatorCount: count }),
  };
}

export class DiversityService {
  readonly #props: DiversityServiceProps;
  #timer: NodeJS.Timeout | undefined;
  #refreshes = new Map<string, RefreshStatus>();
  readonly #dataListeners: (() => void)[] = [];
  #overlay: { data: DiversityData; statuses: Map<string, Omit<ServiceDiversity, 'incentives'>> } | undefined;

  constructor(props: DiversityServiceProps) {
    this.#props = props;
  }

  get catalog(): Catalog {
    return this.#props.catalog;
  }

  /** Calls `listener` after a refresh changed the data in use (e.g. to re-encode the OSB catalog off the request path). */
  onDataChanged(listener: () => void): void {
    this.#dataListeners.push(listener);
  }

  data(): DiversityData {
    return this.#props.source.current();
  }

  /** The broker's live instances as the diversity ledger counts them. */
  async ledger(): Promise<LedgerEntry[]> {
    const instances = await this.#props.storage.listInstances({ states: LIVE_INSTANCE_STATES });
    return instances.flatMap((instance) => {
      const entry = ledgerEntryOf(this.#props.catalog, instance.id, instance.serviceId, instance.planId, instance.parameters);
      return entry === undefined ? [] : [entry];
    });
  }

  /** The one source of statuses: the network's policy (see statusThresholdsOf). */
  statusThresholds(network: Network): StatusThresholds {
    return statusThresholdsOf(this.#props.catalog.network(network).diversity);
  }

  /** Each offered network's diversity policy (catalog.yaml). */
  policies(): NetworkPolicies {
    return Object.fromEntries(this.#offeredNetworks().map((n) => [n, this.#props.catalog.network(n).diversity] as const));
  }

  async overview(): Promise<DiversityOverview> {
    const thresholds = this.policies();
    return { ...diversityReport(this.data(), await this.ledger(), thresholds), thresholds, refresh: [...this.#refreshes.values()] };
  }

  /** What the dashboard shows of one node instance (no parameters, no outputs); undefined when unknown. */
  async dashboardInstance(dashboardId: string): Promise<DashboardInstance | undefined> {
    const instance = await this.#props.storage.findInstanceByDashboardId(dashboardId);
    if (instance === undefined) return undefined;
    const plan = this.#props.catalog.findPlan(instance.serviceId, instance.planId);
    if (plan === undefined || plan.kind !== 'node') return undefined;
    return {
      id: dashboardId,
      network: plan.network,
      planName: plan.name,
      serviceName: plan.serviceName,
      state: instance.state,
      execution: plan.execution.client,
      consensus: plan.consensus.client,
    };
  }

  /** Offered combos for `network` and `role`, most helpful to diversity first. */
  async suggestions(network: string, role: string): Promise<RankedCombo[]> {
    const offered = this.#offeredNetworks();
    if (!(offered as readonly string[]).includes(network)) {
      throw badRequest(`network "${network}" is not offered by this broker; use one of ${offered.join(', ')}`);
    }
    if (role !== 'validator' && role !== 'rpc') throw badRequest(`role "${role}" is not a role; use validator or rpc`);
    const net = network as Network;
    const combos = this.offeredCombos(net, role);
    return rankCombos(net, role, combos, { snapshots: this.data().networks[net] ?? {}, ledger: await this.ledger() }, this.statusThresholds(net));
  }

  /** The EL x CL combos the catalog offers plans for on `network` in `role`. */
  offeredCombos(network: Network, role: Role): Combo[] {
    return this.#props.catalog.services
      .filter((s): s is NodeService => s.kind === 'node' && s.plans.some((p: NodePlan) => p.network === network && p.role === role))
      .map((s) => ({ execution: s.execution.client, consensus: s.consensus.client }));
  }

  /**
   * The catalog's live `metadata.diversity` of a node service: its standing on mainnet when there is
   * published mainnet data (where diversity matters), else on the first offered network that has data;
   * every network's standing is listed too. Recomputed only when the data changes.
   */
  serviceStatus(service: NodeService): Omit<ServiceDiversity, 'incentives'> | undefined {
    const data = this.data();
    if (this.#overlay?.data !== data) this.#overlay = { data, statuses: new Map() };
    let status = this.#overlay.statuses.get(service.id);
    if (status === undefined) {
      const networks = [...new Set(service.plans.map((p) => p.network))];
      const standings = networks.flatMap((network) => {
        const snapshots = data.networks[network];
        return snapshots === undefined ? [] : [[network, comboStatus(snapshots, { execution: service.execution.client, consensus: service.consensus.client }, this.statusThresholds(network))] as const];
      });
      const primary = standings.find(([network]) => network === 'mainnet') ?? standings[0];
      status = primary
        ? {
            ...primary[1],
            network: primary[0],
            networks: Object.fromEntries(standings.map(([network, s]) => [network, { status: s.status, execution: s.execution, consensus: s.consensus }])),
          }
        : { status: 'unknown', execution: 'unknown', consensus: 'unknown' };
      this.#overlay.statuses.set(service.id, status);
    }
    return status;
  }

  /** Refreshes every configured feed once; failures keep the data in use and are logged and reported. */
  async refresh(): Promise<RefreshResult[]> {
    const results: RefreshResult[] = [];
    for (const target of this.#props.refreshTargets ?? []) {
      const result = await this.#props.source.refresh(target, this.#props.fetch);
      this.#refreshes.set(`${target.network}/${target.layer}`, { ...result, at: new Date().toISOString() });
      if (result.ok) this.#props.logger.info({ network: result.network, layer: result.layer, date: result.date }, 'diversity data refreshed');
      else this.#props.logger.warn({ network: result.network, layer: result.layer, keptFrom: result.keptFrom }, result.error);
      results.push(result);
    }
    if (results.some((result) => result.ok)) for (const listener of this.#dataListeners) listener();
    return results;
  }

  /** Refreshes now (not awaited: start-up must not wait on the internet) and then every refreshHours. */
  start(): void {
    if ((this.#props.refreshTargets ?? []).length === 0) return;
    const hours = this.#props.refreshHours ?? 24;
    const run = () => {
      this.refresh().catch((error: unknown) => this.#props.logger.error({ err: error }, 'diversity refresh failed'));
    };
    run();
    if (hours > 0) {
      this.#timer = setInterval(run, hours * 3600_000);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #offeredNetworks(): Network[] {
    const offered = new Set(this.#props.catalog.plans.map((p) => p.network));
    return NETWORKS.filter((n) => offered.has(n));
  }
}

/** Where refreshed shares are kept between restarts (0600). */
export const REFRESHED_DATA_FILE = 'diversity.json';

/**
 * The shares in use at start-up: the operator's file (OVSB_DIVERSITY_DATA) or the bundled one, with, when
 * refreshing is on, any newer layers of the last refresh kept in the data dir (loadStartupData: a corrupt
 * refresh is skipped and logged); and the feeds to refresh from.
 */
export function openDiversitySource(dataDir: string, config: DiversityConfig, logger?: Logger): { source: DiversityDataSource; targets: RefreshTarget[] } {
  const refreshed = join(dataDir, REFRESHED_DATA_FILE);
  const { data, notes, problem } = loadStartupData(config.dataPath ?? bundledDiversityDataPath(packageRoot()), config.refreshHours > 0 ? refreshed : undefined);
  for (const note of notes) logger?.info(note);
  if (problem !== undefined) logger?.warn(problem);
  const targets: RefreshTarget[] = [];
  for (const network of NETWORKS) {
    for (const layer of LAYERS) {
      const feed = config.feeds.find((f) => f.network === network && f.layer === layer);
      const snapshot = data.networks[network]?.[layer];
      if (feed !== undefined) targets.push({ network, layer, url: feed.url, source: `operator feed ${new URL(feed.url).host}` });
      else if (snapshot !== undefined) targets.push({ network, layer, url: snapshot.url, source: snapshot.source });
    }
  }
  return { source: new DiversityDataSource(data, config.refreshHours > 0 ? { persistPath: refreshed } : {}), targets: config.refreshHours > 0 ? targets : [] };
}
