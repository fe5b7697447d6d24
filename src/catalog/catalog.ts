/**
 * The catalog domain object: the operator's catalog.yaml expanded into services (one per EL x CL bundle,
 * plus MEV-Boost) and plans (role x target x network), with stable ids, lookups, parameter schemas and
 * validation, and the OSB v2.17 wire form.
 */
import type { ConsensusClientName, ExecutionClientName, Network, Role, Target } from '../../modules/clients/types';
import { ConfigError } from '../errors';
import { describeBlockers, isoSeconds, planForkChecks, windowOpens, type ForkCheck } from '../releases/readiness';
import type { CatalogConfig, ClientRelease, NetworkConfig, ScopePlanKind } from './config';
import { exampleParameters } from './examples';
import { maintenanceInfo } from './maintenance';
import type {
  CatalogPlan,
  CatalogService,
  ClientIncentive,
  LidoRules,
  MevBoostPlan,
  MevBoostService,
  NodePlan,
  NodeService,
  OfferedClient,
  ServiceDiversity,
} from './model';
import type { ReleaseData } from '../../modules/clients/release-data';
import type { OsbCatalog, OsbPlan, OsbService } from './osb';
import type {
  BindParameters,
  MevBoostServiceParameters,
  NodeParameters,
  ParameterError,
  ParameterOperation,
  ParameterValidation,
} from './parameters';
import type { ClientRegistry, PinnedRelease } from './registry';
import { bindSchema, instanceSchema, shapeKey, type JsonSchema, type SchemaShape } from './schemas';
import { uuidV5 } from './uuid';
import { SchemaValidators, nodeParameterRules } from './validation';

const TARGET_NAMES: Readonly<Record<Target, string>> = { kubernetes: 'Kubernetes', aws: 'AWS', sandbox: 'Sandbox' };
const ROLE_NAMES: Readonly<Record<Role, string>> = { validator: 'Validator', rpc: 'RPC' };
const NETWORK_NAMES: Readonly<Record<Network, string>> = { mainnet: 'Mainnet', hoodi: 'Hoodi', sepolia: 'Sepolia' };
const IN_PROTOCOL_BUILDERS =
  'Enshrined proposer-builder separation (EIP-7732): the beacon node takes builders\' bids itself; no MEV-Boost, each client\'s default builder settings';

/** Parameters of a plan, by operation. */
export type PlanParameters = NodeParameters | MevBoostServiceParameters | BindParameters;

export interface OsbCatalogOptions {
  /** Live diversity standing of a node service; the default marks every service `unknown`. */
  readonly diversity?: (service: NodeService) => Omit<ServiceDiversity, 'incentives'> | undefined;
}

export class Catalog {
  readonly services: readonly CatalogService[];
  readonly plans: readonly CatalogPlan[];
  private readonly servicesById: ReadonlyMap<string, CatalogService>;
  private readonly plansById: ReadonlyMap<string, CatalogPlan>;
  private readonly plansByStackName: ReadonlyMap<string, CatalogPlan>;
  private readonly schemas = new Map<string, { create: JsonSchema; update: JsonSchema }>();
  private readonly bindSchemas = new Map<ScopePlanKind, JsonSchema>();
  private readonly validators = new SchemaValidators();
  private plainOsbCatalog: OsbCatalog | undefined;
  private readonly forkChecksByPlan = new Map<string, readonly ForkCheck[]>();

  constructor(
    readonly config: CatalogConfig,
    private readonly registry: ClientRegistry,
  ) {
    this.services = buildServices(config, registry);
    this.plans = this.services.flatMap((s): readonly CatalogPlan[] => s.plans);
    this.servicesById = new Map(this.services.map((s) => [s.id, s]));
    this.plansById = new Map(this.plans.map((p) => [p.id, p]));
    this.plansByStackName = new Map(this.plans.map((p) => [p.stackName, p]));
  }

  get source(): string {
    return this.config.source;
  }

  /** The release data the catalog's fork checks read. */
  get releaseData(): ReleaseData {
    return this.registry.releaseData;
  }

  /** Days before a fork from which unready plans take no new provisions (catalog.yaml `broker.fork_window_days`). */
  get forkWindowDays(): number {
    return this.config.broker.forkWindowDays;
  }

  /** The forks the plan's network has scheduled after the data was observed, checked against its pins. */
  forkChecks(plan: CatalogPlan): readonly ForkCheck[] {
    let checks = this.forkChecksByPlan.get(plan.id);
    if (checks === undefined) {
      checks = planForkChecks(plan, this.registry.releaseData);
      this.forkChecksByPlan.set(plan.id, checks);
    }
    return checks;
  }

  findService(serviceId: string): CatalogService | undefined {
    return this.servicesById.get(serviceId);
  }

  /** The plan, only when it belongs to that service (OSB requests carry both ids). */
  findPlan(serviceId: string, planId: string): CatalogPlan | undefined {
    const plan = this.plansById.get(planId);
    return plan?.serviceId === serviceId ? plan : undefined;
  }

  findPlanById(planId: string): CatalogPlan | undefined {
    return this.plansById.get(planId);
  }

  /** A plan by id, stack name (`geth-lighthouse-validator-kubernetes-mainnet`) or `service-name/plan-name`. */
  findPlanByRef(ref: string): CatalogPlan | undefined {
    const direct = this.plansById.get(ref) ?? this.plansByStackName.get(ref);
    if (direct) return direct;
    const slash = ref.indexOf('/');
    if (slash < 0) return undefined;
    const serviceName = ref.slice(0, slash);
    const planName = ref.slice(slash + 1);
    return this.plans.find((p) => p.serviceName === serviceName && p.name === planName);
  }

  network(network: Network): NetworkConfig {
    const config = this.config.networks.find((n) => n.network === network);
    if (!config) throw new TypeError(`network ${network} is not offered by ${this.source}`);
    return config;
  }

  /** Lido rules of the network, when it has Lido configuration. */
  lidoRules(network: Network): LidoRules | undefined {
    const lido = this.config.lido.networks[network];
    return lido && { ...lido, network, maxMinBidEth: this.config.lido.maxMinBidEth, builderBoostFactor: this.config.lido.builderBoostFactor };
  }

  /** Scope templates (over {instance_id}) a binding of the plan may ask for a subset of. */
  scopeAllowance(plan: CatalogPlan): readonly string[] {
    return this.config.scopes.allowed[scopePlanKind(plan)];
  }

  /** The plan's JSON Schema for an operation, shared by every plan of the same shape. */
  parameterSchema(plan: CatalogPlan, operation: ParameterOperation): JsonSchema {
    if (operation === 'bind') {
      const kind = scopePlanKind(plan);
      let schema = this.bindSchemas.get(kind);
      if (!schema) {
        schema = bindSchema(this.config.scopes.allowed[kind]);
        this.bindSchemas.set(kind, schema);
      }
      return schema;
    }
    const shape: SchemaShape =
      plan.kind === 'node'
        ? {
            kind: 'node',
            role: plan.role,
            lido: plan.lido,
            target: plan.target,
            network: this.network(plan.network),
            separateValidatorClient: plan.separateValidatorClient,
            web3signerKeys: plan.web3signerKeys,
            mevBoost: plan.mevBoost !== undefined,
            storageMinimums: { executionGi: plan.storage.execution.minimumGi, consensusGi: plan.storage.consensus.minimumGi },
          }
        : { kind: 'mev-boost', target: plan.target, network: this.network(plan.network) };
    const key = shapeKey(shape);
    let pair = this.schemas.get(key);
    if (!pair) {
      pair = { create: instanceSchema(shape, 'create'), update: instanceSchema(shape, 'update') };
      this.schemas.set(key, pair);
    }
    return pair[operation];
  }

  /**
   * Checks parameters against the plan's schema and the rules a schema cannot express. Business rules
   * that need live state (diversity policy, Lido mode) are not checked here.
   */
  validateParameters(plan: NodePlan, params: unknown, operation: 'create' | 'update'): ParameterValidation<NodeParameters>;
  validateParameters(plan: MevBoostPlan, params: unknown, operation: 'create' | 'update'): ParameterValidation<MevBoostServiceParameters>;
  validateParameters(plan: CatalogPlan, params: unknown, operation: 'bind'): ParameterValidation<BindParameters>;
  validateParameters(plan: CatalogPlan, params: unknown, operation: ParameterOperation): ParameterValidation<PlanParameters>;
  validateParameters(plan: CatalogPlan, params: unknown, operation: ParameterOperation): ParameterValidation<PlanParameters> {
    const value = params ?? {};
    const errors: ParameterError[] = this.validators.check(this.parameterSchema(plan, operation), value);
    if (errors.length === 0 && plan.kind === 'node' && operation !== 'bind') {
      const node = value as NodeParameters;
      errors.push(...nodeParameterRules(node));
      if (operation === 'create') errors.push(...this.relayRule(plan, node));
    }
    return errors.length === 0 ? { ok: true, parameters: value as PlanParameters } : { ok: false, errors };
  }

  /** Compiles every distinct schema: the test that every plan's schemas are valid draft-07. */
  compileAllSchemas(): number {
    const seen = new Set<JsonSchema>();
    for (const plan of this.plans) {
      for (const operation of ['create', 'update', 'bind'] as const) {
        const schema = this.parameterSchema(plan, operation);
        if (seen.has(schema)) continue;
        this.validators.validatorFor(schema);
        seen.add(schema);
      }
    }
    return seen.size;
  }

  /** Documented parameters that provision the plan as `ovsb synth` does. */
  exampleParameters(plan: NodePlan): NodeParameters;
  exampleParameters(plan: MevBoostPlan): MevBoostServiceParameters;
  exampleParameters(plan: CatalogPlan): NodeParameters | MevBoostServiceParameters;
  exampleParameters(plan: CatalogPlan): NodeParameters | MevBoostServiceParameters {
    return exampleParameters(plan, this.network(plan.network), this.lidoRules(plan.network));
  }

  /** The OSB catalog; without a diversity overlay it is built once and shared (it is immutable). */
  toOsbCatalog(options: OsbCatalogOptions = {}): OsbCatalog {
    if (options.diversity) return { services: this.services.map((service) => this.osbService(service, options)) };
    this.plainOsbCatalog ??= { services: this.services.map((service) => this.osbService(service, options)) };
    return this.plainOsbCatalog;
  }

  private relayRule(plan: NodePlan, params: NodeParameters): ParameterError[] {
    // A plan without MEV-Boost (enshrined PBS) takes no mev_boost parameter: nothing to default.
    if (!plan.mevBoost || params.mev_boost?.enabled === false || params.mev_boost?.relays) return [];
    if (plan.lido) {
      // Lido plans default to Lido's allow-list (src/topology); an empty list means local block building.
      if ((this.lidoRules(plan.network)?.relayAllowList.relays.length ?? 0) > 0) return [];
      return [
        {
          field: 'mev_boost.enabled',
          message: `Lido's relay allow-list for ${plan.network} lists no relays: set mev_boost.enabled to false to build blocks locally`,
        },
      ];
    }
    if (this.network(plan.network).defaultRelays.length > 0) return [];
    return [
      {
        field: 'mev_boost.relays',
        message: `mev_boost.relays is required: the operator lists no default relays for ${plan.network}; name relays or set mev_boost.enabled to false`,
      },
    ];
  }

  private osbService(service: CatalogService, options: OsbCatalogOptions): OsbService {
    const clients =
      service.kind === 'node'
        ? { execution: clientMetadata(service.execution), consensus: clientMetadata(service.consensus) }
        : { mevBoost: clientMetadata(service.mevBoost) };
    const metadata: Record<string, unknown> = {
      displayName: service.displayName,
      providerDisplayName: this.config.broker.displayName,
      longDescription: service.description,
      clients,
    };
    if (service.kind === 'node') {
      metadata['engineApiVersion'] = service.engineApiVersion;
      const live = options.diversity?.(service);
      const diversity: ServiceDiversity = {
        status: live?.status ?? 'unknown',
        execution: live?.execution ?? 'unknown',
        consensus: live?.consensus ?? 'unknown',
        incentives: service.incentives,
        ...(live?.source !== undefined && { source: live.source }),
        ...(live?.network !== undefined && { network: live.network }),
        ...(live?.networks !== undefined && { networks: live.networks }),
      };
      metadata['diversity'] = diversity;
    }
    return {
      name: service.name,
      id: service.id,
      description: service.description,
      tags: service.tags,
      requires: [],
      bindable: true,
      instances_retrievable: true,
      bindings_retrievable: true,
      allow_context_updates: false,
      metadata,
      plan_updateable: true,
      plans: service.plans.map((plan) => this.osbPlan(plan)),
    };
  }

  private osbPlan(plan: CatalogPlan): OsbPlan {
    return {
      id: plan.id,
      name: plan.name,
      description: plan.description,
      metadata: {
        ...withForkBullets(planMetadata(plan, this.network(plan.network), this.lidoRules(plan.network)), plan, this.forkChecks(plan), this.forkWindowDays, this.registry.releaseData),
        ...forkMetadata(this.forkChecks(plan), this.forkWindowDays),
        // Tells platforms up front that a bind without bind_resource.app_guid is refused (RequiresApp).
        ...(this.config.broker.requiresApp && { requires_app: true }),
      },
      free: plan.target === 'sandbox',
      bindable: true,
      plan_updateable: true,
      binding_rotatable: true,
      schemas: {
        service_instance: {
          create: { parameters: this.parameterSchema(plan, 'create') },
          update: { parameters: this.parameterSchema(plan, 'update') },
        },
        service_binding: { create: { parameters: this.parameterSchema(plan, 'bind') } },
      },
      maximum_polling_duration: this.config.broker.maximumPollingDuration,
      maintenance_info: plan.maintenanceInfo,
    };
  }
}

/** Platforms show bullets, not metadata: a scheduled fork the plan is not ready for, or that ends its MEV-Boost, is said there too. */
function withForkBullets(metadata: Record<string, unknown>, plan: CatalogPlan, checks: readonly ForkCheck[], windowDays: number, data: ReleaseData): Record<string, unknown> {
  const notes = checks.flatMap((check) => {
    const at = `${check.name} on ${check.network} (${check.activation.time})`;
    if (!check.ready) return [`Not ready for ${at}: new provisions refused from ${isoSeconds(windowOpens(check, windowDays))}`];
    const endsMevBoost = plan.kind === 'node' && plan.mevBoost !== undefined && data.forks[check.activation.fork].builders === 'in-protocol';
    return endsMevBoost ? [`Ready for ${at}; from then builders bid in-protocol and MEV-Boost has no part`] : [`Ready for ${at}`];
  });
  return notes.length === 0 ? metadata : { ...metadata, bullets: [...(metadata['bullets'] as string[]), ...notes] };
}

/**
 * `fork_readiness`: each fork the plan's network has scheduled, whether the plan's releases follow it and,
 * when not, why and from when new provisions are refused. Absent when nothing is scheduled.
 */
function forkMetadata(checks: readonly ForkCheck[], windowDays: number): Record<string, unknown> {
  if (checks.length === 0) return {};
  return {
    fork_readiness: checks.map((check) => ({
      network: check.network,
      fork: check.name,
      epoch: check.activation.epoch,
      time: check.activation.time,
      ready: check.ready,
      ...(!check.ready && {
        reason: describeBlockers(check.blockers),
        new_provisions_refused_from: isoSeconds(windowOpens(check, windowDays)),
      }),
    })),
  };
}

const scopePlanKind = (plan: CatalogPlan): ScopePlanKind => (plan.kind === 'node' ? plan.role : 'mev_boost');

function clientMetadata(client: OfferedClient): Record<string, string> {
  return {
    name: client.client,
    displayName: client.displayName,
    version: client.version,
    ...(client.imageRepository !== undefined && { imageRepository: client.imageRepository }),
  };
}

function planMetadata(plan: CatalogPlan, network: NetworkConfig, lido: LidoRules | undefined): Record<string, unknown> {
  const where = `${TARGET_NAMES[plan.target]}, ${NETWORK_NAMES[plan.network]}`;
  const bullets: string[] = [];
  if (plan.kind === 'node') {
    bullets.push(`${plan.execution.displayName} ${plan.execution.version} (execution)`);
    const consensusRole =
      plan.role === 'rpc'
        ? 'beacon node'
        : plan.separateValidatorClient
          ? 'beacon node + validator client'
          : 'beacon node with its built-in validator';
    bullets.push(`${plan.consensus.displayName} ${plan.consensus.version} (${consensusRole})`);
    if (plan.mevBoost) bullets.push(`MEV-Boost ${plan.mevBoost.version}, on unless disabled`);
    else if (plan.role === 'validator') bullets.push(IN_PROTOCOL_BUILDERS);
    if (plan.lido && lido) {
      bullets.push(
        plan.mevBoost
          ? `Lido mode: fee recipient ${lido.executionLayerRewardsVault}, Lido allow-listed relays, min-bid <= ${lido.maxMinBidEth} ETH`
          : `Lido mode: fee recipient ${lido.executionLayerRewardsVault}`,
      );
    }
    const { execution, consensus } = plan.storage;
    bullets.push(
      `Data volumes: ${execution.sizeGi} GiB (execution, at least ${execution.minimumGi}) and ${consensus.sizeGi} GiB (consensus, at least ${consensus.minimumGi}); execution_storage_gi and consensus_storage_gi change them`,
    );
  } else {
    bullets.push(`MEV-Boost ${plan.mevBoost.version}`, `${network.defaultRelays.length} default relays`);
  }
  bullets.push(plan.target === 'sandbox' ? 'Sandbox: no nodes run (Terraform built-ins only)' : `Runs on ${TARGET_NAMES[plan.target]}`);
  const displayName =
    plan.kind === 'node'
      ? `${ROLE_NAMES[plan.role]}${plan.lido ? ' (Lido)' : ''} · ${where}`
      : `MEV-Boost · ${where}`;
  return {
    displayName,
    bullets,
    kind: plan.kind,
    ...(plan.kind === 'node' && { role: plan.role, lido: plan.lido, engineApiVersion: plan.engineApiVersion }),
    target: plan.target,
    network: plan.network,
    stackName: plan.stackName,
  };
}

interface ServiceBlueprint {
  readonly execution: ExecutionClientName;
  readonly consensus: ConsensusClientName;
  readonly networks: readonly Network[];
  /** The Engine API the pair speaks on each of its networks. */
  readonly engineApi: ReadonlyMap<Network, string>;
}

/**
 * Every EL x CL pair to offer, with the networks it works on and the Engine API it speaks there.
 * A pinned release that cannot follow an offered network's fork is refused, naming the combo, the
 * client, its version and the minimum; with `combos: all` a pair a client definition lacks a network
 * for is left out of that network instead.
 */
function blueprints(config: CatalogConfig, registry: ClientRegistry): ServiceBlueprint[] {
  const offered = config.networks.map((n) => n.network);
  const pinned = <N extends string>(client: N, release: ClientRelease) => ({ client, version: release.version });
  const refuse = (path: string, execution: PinnedRelease, consensus: PinnedRelease, network: Network, reason: string, fix: string) =>
    new ConfigError(
      config.source,
      path,
      `${execution.client} ${execution.version} + ${consensus.client} ${consensus.version} cannot work on ${network}: ${reason}. ${fix}`,
    );
  if (config.combos === 'all') {
    const out: ServiceBlueprint[] = [];
    for (const [elName, elRelease] of config.execution) {
      for (const [clName, clRelease] of config.consensus) {
        const execution = pinned(elName, elRelease);
        const consensus = pinned(clName, clRelease);
        const engineApi = new Map<Network, string>();
        for (const network of offered) {
          const support = registry.comboSupport(execution, consensus, network);
          if (support.supported) engineApi.set(network, support.engineApiVersion);
          else if (support.cause === 'release') {
            const layer = support.clients.includes(elName) ? 'execution' : 'consensus';
            const client = layer === 'execution' ? elName : clName;
            throw refuse(`clients.${layer}.${client}.version`, execution, consensus, network, support.reason, `Or stop offering ${network}.`);
          }
        }
        if (engineApi.size > 0) out.push({ execution: elName, consensus: clName, networks: [...engineApi.keys()], engineApi });
      }
    }
    if (out.length === 0) throw new ConfigError(config.source, 'combos', 'no offered EL x CL pair is supported on any offered network');
    return out;
  }
  return config.combos.map((combo) => {
    const networks = combo.networks ?? offered;
    const execution = pinned(combo.execution, config.execution.get(combo.execution)!);
    const consensus = pinned(combo.consensus, config.consensus.get(combo.consensus)!);
    const engineApi = new Map<Network, string>();
    for (const network of networks) {
      const support = registry.comboSupport(execution, consensus, network);
      if (!support.supported) {
        const fix = `drop the combo${combo.networks ? ` or ${network} from its networks` : ` or restrict it with networks: [...]`}.`;
        throw refuse(combo.path, execution, consensus, network, support.reason, support.cause === 'release' ? `Or ${fix}` : `D${fix.slice(1)}`);
      }
      engineApi.set(network, support.engineApiVersion);
    }
    return { execution: combo.execution, consensus: combo.consensus, networks, engineApi };
  });
}

/** One label when every network speaks the same Engine API, else each with its networks. */
function engineApiSummary(engineApi: ReadonlyMap<Network, string>): string {
  const byLabel = new Map<string, Network[]>();
  for (const [network, label] of engineApi) byLabel.set(label, [...(byLabel.get(label) ?? []), network]);
  if (byLabel.size === 1) return [...byLabel.keys()][0]!;
  return [...byLabel].map(([label, networks]) => `${label} on ${networks.join(', ')}`).join('; ');
}

/** What a node plan's data volumes are: the client's size (raised to the minimum) and the minimum. */
function planStorage(registry: ClientRegistry, network: NetworkConfig, el: ExecutionClientName, cl: ConsensusClientName): NodePlan['storage'] {
  const of = (client: ExecutionClientName | ConsensusClientName, networkMinimumGi: number) => {
    const storage = registry.storage(client, network.network);
    const minimumGi = Math.max(networkMinimumGi, storage.minimumGi ?? 0);
    return { sizeGi: Math.max(storage.defaultGi, minimumGi), minimumGi, raisedToMinimum: storage.defaultGi < minimumGi };
  };
  return { execution: of(el, network.storageMinimums.executionGi), consensus: of(cl, network.storageMinimums.consensusGi) };
}

function offeredClient<N extends string>(name: N, release: ClientRelease, displayName: string): OfferedClient<N> {
  return {
    client: name,
    displayName,
    version: release.version,
    ...(release.imageRepository !== undefined && { imageRepository: release.imageRepository }),
  };
}

function buildServices(config: CatalogConfig, registry: ClientRegistry): CatalogService[] {
  const ns = config.broker.idNamespace;
  const mevBoost = offeredClient('mev-boost' as const, config.mevBoost, registry.displayName('mev-boost'));
  const services: CatalogService[] = blueprints(config, registry).map((blueprint) =>
    nodeService(config, registry, blueprint, mevBoost),
  );
  if (config.mevBoostService) {
    const id = uuidV5(ns, 'service:mev-boost');
    const name = `${config.broker.name}-mev-boost`;
    const plans: MevBoostPlan[] = [];
    for (const network of config.networks.map((n) => n.network).filter((n) => registry.builders(n) === 'mev-boost')) {
      for (const target of config.targets) {
        plans.push({
          kind: 'mev-boost',
          id: uuidV5(ns, `plan:mev-boost:${target}:${network}`),
          name: `${target}-${network}`,
          serviceId: id,
          serviceName: name,
          stackName: `mev-boost-${target}-${network}`,
          target,
          network,
          description:
            target === 'sandbox'
              ? `Sandbox (no nodes run): MEV-Boost ${mevBoost.version} for ${network} as Terraform built-ins only.`
              : `MEV-Boost ${mevBoost.version} for ${network} on ${TARGET_NAMES[target]}, shared by beacon nodes that point at it.`,
          maintenanceInfo: maintenanceInfo([mevBoost]),
          mevBoost,
        });
      }
    }
    const service: MevBoostService = {
      kind: 'mev-boost',
      id,
      name,
      displayName: 'MEV-Boost',
      description: `MEV-Boost ${mevBoost.version} middleware: connects beacon nodes to block-builder relays (proposer-builder separation).`,
      tags: ['ethereum', 'mev-boost', 'middleware', 'pbs'],
      mevBoost,
      plans,
    };
    // No plans when every offered network enshrines PBS: a service needs at least one.
    if (plans.length > 0) services.push(service);
  }
  return services;
}

function nodeService(
  config: CatalogConfig,
  registry: ClientRegistry,
  blueprint: ServiceBlueprint,
  mevBoost: OfferedClient<'mev-boost'>,
): NodeService {
  const ns = config.broker.idNamespace;
  const el = blueprint.execution;
  const cl = blueprint.consensus;
  const elRelease = config.execution.get(el)!;
  const clRelease = config.consensus.get(cl)!;
  const execution = {
    ...offeredClient(el, elRelease, registry.displayName(el)),
    ...optionalEngineApi(registry.engineApiVersion(el, elRelease.version)),
  };
  const consensus = {
    ...offeredClient(cl, clRelease, registry.displayName(cl)),
    ...optionalEngineApi(registry.engineApiVersion(cl, clRelease.version)),
  };
  const id = uuidV5(ns, `service:${el}+${cl}`);
  const name = `${config.broker.name}-${el}-${cl}`;
  const separateValidatorClient = registry.hasSeparateValidatorClient(cl);
  const web3signerKeys = registry.supportsWeb3signer(cl);
  const plans: NodePlan[] = [];
  for (const role of config.roles) {
    for (const network of blueprint.networks) {
      const networkConfig = config.networks.find((n) => n.network === network)!;
      const lidoMode = networkConfig.lido;
      const storage = planStorage(registry, networkConfig, el, cl);
      const engineApiVersion = blueprint.engineApi.get(network)!;
      // Enshrined PBS (EIP-7732): builders bid in-protocol, so validators get no MEV-Boost there.
      const planMevBoost = role === 'validator' && registry.builders(network) === 'mev-boost' ? mevBoost : undefined;
      const variants = role === 'rpc' ? [false] : lidoMode === 'off' ? [false] : lidoMode === 'required' ? [true] : [false, true];
      for (const lido of variants) {
        for (const target of config.targets) {
          const roleName = lido ? `${role}-lido` : role;
          const clients: OfferedClient[] = planMevBoost ? [execution, consensus, planMevBoost] : [execution, consensus];
          plans.push({
            kind: 'node',
            id: uuidV5(ns, `plan:${el}+${cl}:${roleName}:${target}:${network}`),
            name: `${roleName}-${target}-${network}`,
            serviceId: id,
            serviceName: name,
            stackName: `${el}-${cl}-${roleName}-${target}-${network}`,
            target,
            network,
            description: nodePlanDescription(role, lido, target, network, execution, consensus, separateValidatorClient, planMevBoost !== undefined),
            maintenanceInfo: maintenanceInfo(clients),
            role,
            lido,
            execution,
            consensus,
            separateValidatorClient,
            web3signerKeys,
            engineApiVersion,
            storage,
            ...(planMevBoost && { mevBoost: planMevBoost }),
          });
        }
      }
    }
  }
  const incentives: ClientIncentive[] = [el, cl].flatMap((client) => {
    const incentive = config.incentives.get(client);
    return incentive ? [{ client, ...incentive }] : [];
  });
  const roles = config.roles.map((r) => (r === 'rpc' ? 'RPC' : 'validator')).join(' and ');
  return {
    kind: 'node',
    id,
    name,
    displayName: `${execution.displayName} + ${consensus.displayName}`,
    description: `Ethereum ${roles} nodes: ${execution.displayName} ${execution.version} (execution) with ${consensus.displayName} ${consensus.version} (consensus).`,
    tags: ['ethereum', el, cl, ...config.roles],
    execution,
    consensus,
    engineApiVersion: engineApiSummary(blueprint.engineApi),
    incentives,
    plans,
  };
}

const optionalEngineApi = (version: string | undefined) => (version === undefined ? {} : { engineApiVersion: version });

function nodePlanDescription(
  role: Role,
  lido: boolean,
  target: Target,
  network: Network,
  execution: OfferedClient,
  consensus: OfferedClient,
  separateValidatorClient: boolean,
  mevBoost: boolean,
): string {
  const clients = `${execution.client} ${execution.version} + ${consensus.client} ${consensus.version}`;
  const builders = mevBoost ? 'MEV-Boost' : 'in-protocol builders, no MEV-Boost';
  const what =
    role === 'rpc'
      ? `RPC node (execution + beacon APIs, no validator)`
      : `Validator node (${separateValidatorClient ? 'validator client' : 'built-in validator'}, ${builders})${lido ? ' in Lido mode' : ''}`;
  return target === 'sandbox'
    ? `Sandbox (no nodes run): ${what} for ${network} as Terraform built-ins only: ${clients}.`
    : `${what} on ${TARGET_NAMES[target]}, ${network}: ${clients}.`;
}
