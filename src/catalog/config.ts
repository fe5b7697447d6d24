/**
 * catalog.yaml: the operator's compact description of what the broker offers, parsed into typed data.
 * Structure only; what the clients can do together is checked when the catalog is built (./catalog.ts).
 * The format is documented in docs/catalog.md.
 */
import {
  CONSENSUS_CLIENTS,
  EXECUTION_CLIENTS,
  NETWORKS,
  ROLES,
  TARGETS,
  type ConsensusClientName,
  type ExecutionClientName,
  type Network,
  type Role,
  type Target,
} from '../../modules/clients/types';
import { forkName, NETWORK_FORKS, networkBuilders } from '../../modules/clients/forks';
import type { AwsTargetProps, KubernetesTargetProps } from '../../stacks/props';
import { LIDO_BUILDER_BOOST_FACTOR, LIDO_EXECUTION_LAYER_REWARDS_VAULTS, LIDO_MAX_MIN_BID_ETH } from '../lido/rules';
import { fillTemplate, isSuperset, isValidScopeTemplate, ScopeComplexityError } from '../scopes';
import { parseGatewaySection, type GatewayConfig } from '../gateway/policy-config';
import { isChecksumAddress, toChecksumAddress } from './eip55';
import { isUuid } from './uuid';
import { checkFileSchema } from './file-schema';
import { YamlNode } from './yaml-reader';

/** A client release the catalog offers. */
export interface ClientRelease {
  /** Image tag, pinned (a release, never `latest`). */
  readonly version: string;
  /** @default the client's public image repository */
  readonly imageRepository?: string;
}

/** `off`: no Lido mode. `required`: every validator plan on the network. `plans`: extra `validator-lido-*` plans. */
export const LIDO_MODES = ['off', 'required', 'plans'] as const;
export type LidoMode = (typeof LIDO_MODES)[number];

/** Shares (0..1) of a client, network-wide or operator-wide, at which the diversity policy acts. */
export interface DiversityThresholds {
  /** Provisioning goes ahead with a warning at or above this share. */
  readonly warn: number;
  /** Provisioning is refused at or above this share. */
  readonly refuse: number;
}

/** Days before a fork from which unready plans take no new provisions. */
export const DEFAULT_FORK_WINDOW_DAYS = 14;

export const DEFAULT_DIVERSITY: DiversityThresholds = { warn: 0.33, refuse: 0.66 };

export interface RelayEntry {
  /** `https://0x<BLS public key>@host` */
  readonly url: string;
  /** @default none */
  readonly operator?: string;
  /** Lido's `is_mandatory`: a Lido-mode instance must use at least one mandatory relay. */
  readonly mandatory: boolean;
  /** @default none */
  readonly description?: string;
}

export interface StorageMinimums {
  readonly executionGi: number;
  readonly consensusGi: number;
}

export interface NetworkConfig {
  readonly network: Network;
  /** @default the clients' well-known checkpoint sync URL for the network */
  readonly checkpointSyncUrl?: string;
  readonly diversity: DiversityThresholds;
  readonly lido: LidoMode;
  /** Relays used when a validator or MEV-Boost instance names none. May be empty. */
  readonly defaultRelays: readonly string[];
  readonly defaultMinBidEth: number;
  /** The smallest data volumes a provision may ask for. */
  readonly storageMinimums: StorageMinimums;
}

export interface LidoNetworkConfig {
  /** Lido Execution Layer Rewards Vault: the fee recipient every Lido-mode validator must use. */
  readonly executionLayerRewardsVault: string;
  /** Lido Withdrawal Vault (withdrawal credentials of Lido keys), for reference. @default none */
  readonly withdrawalVault?: string;
  /** Snapshot of the on-chain MEVBoostRelayAllowedList. */
  readonly relayAllowList: {
    /** Where the snapshot came from (contract address, URL). */
    readonly source: string;
    /** When it was taken (ISO date). @default unknown */
    readonly asOf?: string;
    /** When the contract was last read to check this snapshot (YYYY-MM-DD). @default unknown */
    readonly observed?: string;
    /** When the contract's list last changed (YYYY-MM-DD). @default `observed` */
    readonly changed?: string;
    readonly relays: readonly RelayEntry[];
  };
}

export interface LidoConfig {
  /** Lido's upper limit for MEV-Boost `-min-bid`, in ETH. */
  readonly maxMinBidEth: number;
  /** Builder boost factor Lido asks for (100 = builder and local blocks weighed 1:1). */
  readonly builderBoostFactor: number;
  readonly networks: Readonly<Partial<Record<Network, LidoNetworkConfig>>>;
}

/** Kinds of plan a binding scope allowance is set for (catalog.yaml `scopes.allowed.<kind>`). */
export const SCOPE_PLAN_KINDS = ['validator', 'rpc', 'mev_boost'] as const;
export type ScopePlanKind = (typeof SCOPE_PLAN_KINDS)[number];

/** The one placeholder of binding scope templates: the instance's id as one scope segment. */
export const INSTANCE_ID_PLACEHOLDER = 'instance_id';

/** What a binding's token carries when the bind asks for nothing; every allowance must cover it. */
export const DEFAULT_BINDING_SCOPE_TEMPLATES: readonly string[] = ['pool:validator.{instance_id}:read.basic'];

/** Allowances when catalog.yaml sets none: anything about a validator instance, reads only otherwise. */
export const DEFAULT_SCOPE_ALLOWANCE: Readonly<Record<ScopePlanKind, readonly string[]>> = {
  validator: ['pool:validator.{instance_id}:**', 'pool:validator.{instance_id}.**:**'],
  rpc: ['pool:validator.{instance_id}:read.*'],
  mev_boost: ['pool:validator.{instance_id}:read.*'],
};

export interface ScopesConfig {
  /** Per kind of plan, the scope templates a bind's `scopes` may ask for a subset of. */
  readonly allowed: Readonly<Record<ScopePlanKind, readonly string[]>>;
}

/** What the operator offers to stakers who pick a client, shown in catalog metadata. */
export interface IncentiveConfig {
  readonly description: string;
  /** Multiplier applied to the operator's fee, e.g. 0.9 for a 10% discount. @default none */
  readonly feeMultiplier?: number;
  /** Multiplier applied to rewards shared with the staker. @default none */
  readonly rewardMultiplier?: number;
}

export interface ComboConfig {
  readonly execution: ExecutionClientName;
  readonly consensus: ConsensusClientName;
  /** @default every offered network */
  readonly networks?: readonly Network[];
  /** Where it was declared, for error messages (`combos[3]`). */
  readonly path: string;
}

export interface TargetDefaults {
  readonly kubernetes?: KubernetesTargetProps;
  readonly aws?: AwsTargetProps;
}

export interface CatalogConfig {
  /** File name or label the config came from, for error messages. */
  readonly source: string;
  readonly broker: {
    /** Prefix of service names, CLI-friendly. */
    readonly name: string;
    /** Shown to platform users. */
    readonly displayName: string;
    /** UUID namespace all service and plan ids derive from (UUIDv5). Never change it after registering. */
    readonly idNamespace: string;
    /** Seconds; OSB `maximum_polling_duration` of every plan. */
    readonly maximumPollingDuration: number;
    /**
     * Bindings must name the application they are for (`bind_resource.app_guid`), as on platforms where
     * credentials are app-scoped; a bind without one gets 422 RequiresApp.
     */
    readonly requiresApp: boolean;
    /**
     * Days before a scheduled fork from which new provisions of a plan whose releases do not follow it
     * are refused (and after it). @default 14
     */
    readonly forkWindowDays: number;
  };
  /** Offered execution clients in catalog order. */
  readonly execution: ReadonlyMap<ExecutionClientName, ClientRelease>;
  readonly consensus: ReadonlyMap<ConsensusClientName, ClientRelease>;
  readonly mevBoost: ClientRelease;
  readonly combos: 'all' | readonly ComboConfig[];
  readonly roles: readonly Role[];
  /** Offered targets in catalog order. */
  readonly targets: readonly Target[];
  readonly targetDefaults: TargetDefaults;
  readonly networks: readonly NetworkConfig[];
  /** Offer MEV-Boost as a middleware service of its own. */
  readonly mevBoostService: boolean;
  readonly lido: LidoConfig;
  /** Binding token scopes. */
  readonly scopes: ScopesConfig;
  /** What the RPC gateway (`ovsb gateway`) lets tokens do, and per-plan limits. @default the built-in tables */
  readonly gateway: GatewayConfig;
  /** Keyed by client name (execution or consensus). */
  readonly incentives: ReadonlyMap<string, IncentiveConfig>;
}

/** Holesky was retired; clients are dropping it. Saying so beats "unknown network". */
const DEPRECATED_NETWORKS: Readonly<Record<string, string>> = {
  holesky: 'holesky is deprecated (its clients and tooling are retiring it); offer hoodi for staking tests instead',
  goerli: 'goerli is shut down; offer hoodi or sepolia instead',
};

const DEFAULT_STORAGE_MINIMUMS: Readonly<Record<Network, StorageMinimums>> = {
  mainnet: { executionGi: 1000, consensusGi: 200 },
  sepolia: { executionGi: 300, consensusGi: 100 },
  hoodi: { executionGi: 100, consensusGi: 50 },
};

/** EBS gp3/io2 volumes and most CSI drivers stop at 16 TiB. */
export const MAX_VOLUME_GI = 16_384;

export const RELAY_URL_PATTERN = '^https://0x[0-9a-fA-F]{96}@[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$';
const RELAY_URL = new RegExp(RELAY_URL_PATTERN);
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const CLI_NAME = /^[a-z0-9]([a-z0-9.-]{0,38}[a-z0-9])?$/;
const FLOATING_TAGS = ['latest', 'stable', 'unstable', 'develop', 'nightly', 'edge', 'master', 'main'];

const TOP_LEVEL_KEYS = [
  'broker',
  'clients',
  'combos',
  'roles',
  'targets',
  'networks',
  'middleware',
  'lido',
  'scopes',
  'gateway',
  'incentives',
] as const;

export function parseCatalogConfig(document: unknown, source: string): CatalogConfig {
  const root = new YamlNode(source, '', document);
  if (root.isAbsent) root.fail('the catalog is empty; see docs/catalog.md for the format');
  // Structure first (schemas/catalog.schema.json, the file editors validate against); the rules below.
  checkFileSchema('catalog', document, source);
  root.map(TOP_LEVEL_KEYS);

  const broker = parseBroker(root.child('broker'));
  const clients = root.child('clients');
  clients.map(['execution', 'consensus', 'mev_boost']);
  const execution = parseClients(clients.child('execution'), EXECUTION_CLIENTS, CONSENSUS_CLIENTS, 'consensus');
  const consensus = parseClients(clients.child('consensus'), CONSENSUS_CLIENTS, EXECUTION_CLIENTS, 'execution');
  const mevBoostNode = clients.child('mev_boost');
  if (mevBoostNode.isAbsent) mevBoostNode.fail('required: the MEV-Boost release, e.g. `mev_boost: { version: 1.10.1 }`');
  const mevBoost = parseRelease(mevBoostNode);

  const networks = parseNetworks(root.child('networks'));
  const offeredNetworks = networks.map((n) => n.network);
  const lido = parseLido(root.child('lido'), networks);

  return {
    source,
    broker,
    execution,
    consensus,
    mevBoost,
    combos: parseCombos(root.child('combos'), execution, consensus, offeredNetworks),
    roles: parseList(root.child('roles'), ROLES, 'roles'),
    ...parseTargets(root.child('targets')),
    networks,
    mevBoostService: parseMiddleware(root.child('middleware')),
    lido,
    scopes: parseScopes(root.child('scopes')),
    gateway: parseGatewaySection(root.child('gateway')),
    incentives: parseIncentives(root.child('incentives'), execution, consensus),
  };
}

function parseBroker(node: YamlNode): CatalogConfig['broker'] {
  if (node.isAbsent) node.fail('required: `broker: { name, id_namespace, maximum_polling_duration }`');
  node.map(['name', 'display_name', 'id_namespace', 'maximum_polling_duration', 'requires_app', 'fork_window_days']);
  const nameNode = node.child('name');
  const name = nameNode.string();
  if (!CLI_NAME.test(name)) {
    nameNode.fail(`"${name}" is not CLI-friendly: use 1-40 lowercase letters, digits, "." or "-"`);
  }
  const namespaceNode = node.child('id_namespace');
  const idNamespace = namespaceNode.string();
  if (!isUuid(idNamespace)) {
    namespaceNode.fail(`"${idNamespace}" is not a UUID; generate one once (e.g. with uuidgen) and never change it`);
  }
  const pollingNode = node.child('maximum_polling_duration');
  const requiresAppNode = node.child('requires_app');
  const windowNode = node.child('fork_window_days');
  return {
    name,
    displayName: node.child('display_name').optionalString() ?? 'Open Validator Service Broker',
    idNamespace: idNamespace.toLowerCase(),
    maximumPollingDuration: pollingNode.isAbsent ? 3600 : pollingNode.integer(60, 7 * 24 * 3600),
    requiresApp: requiresAppNode.isAbsent ? false : requiresAppNode.boolean(),
    forkWindowDays: windowNode.isAbsent ? DEFAULT_FORK_WINDOW_DAYS : windowNode.integer(0, 365),
  };
}

function parseRelease(node: YamlNode): ClientRelease {
  node.map(['version', 'image_repository']);
  const versionNode = node.child('version');
  if (typeof versionNode.value === 'number') {
    versionNode.fail(`quote the version (version: "1.10"): unquoted, YAML reads it as the number ${versionNode.value}`);
  }
  const version = versionNode.string();
  if (!IMAGE_TAG.test(version)) versionNode.fail(`"${version}" is not a valid image tag`);
  if (FLOATING_TAGS.includes(version.toLowerCase()) || !/\d+\.\d+/.test(version)) {
    versionNode.fail(
      `"${version}" is not a pinned release: name a version such as v1.2.3, so instances only change when the catalog does`,
    );
  }
  const repositoryNode = node.child('image_repository');
  const imageRepository = repositoryNode.optionalString();
  if (imageRepository !== undefined && !IMAGE_REPOSITORY.test(imageRepository)) {
    repositoryNode.fail(`"${imageRepository}" is not an image repository (e.g. registry.example.com/mirror/geth, no tag)`);
  }
  return { version, ...(imageRepository !== undefined && { imageRepository }) };
}

function parseClients<N extends string>(
  node: YamlNode,
  known: readonly N[],
  otherLayer: readonly string[],
  otherLayerName: string,
): ReadonlyMap<N, ClientRelease> {
  if (node.isAbsent) node.fail(`required: at least one client, e.g. \`${known[0]}: { version: ... }\``);
  const clients = new Map<N, ClientRelease>();
  for (const entry of node.entries()) {
    const name = entry.key;
    if (!(known as readonly string[]).includes(name)) {
      const hint = otherLayer.includes(name)
        ? `${name} is a ${otherLayerName} client: list it under clients.${otherLayerName}`
        : `known clients here: ${known.join(', ')}`;
      entry.fail(`unknown client "${name}"; ${hint}`);
    }
    clients.set(name as N, parseRelease(entry));
  }
  if (clients.size === 0) node.fail('lists no clients: offer at least one');
  return clients;
}

function parseList<T extends string>(node: YamlNode, allowed: readonly T[], what: string): readonly T[] {
  if (node.isAbsent) return allowed;
  const items = node.items().map((item) => item.oneOf(allowed));
  if (items.length === 0) node.fail(`offers no ${what}: list at least one of ${allowed.join(', ')}`);
  const duplicate = items.find((item, index) => items.indexOf(item) !== index);
  if (duplicate !== undefined) node.fail(`"${duplicate}" is listed twice`);
  return items;
}

function parseCombos(
  node: YamlNode,
  execution: ReadonlyMap<ExecutionClientName, ClientRelease>,
  consensus: ReadonlyMap<ConsensusClientName, ClientRelease>,
  offeredNetworks: readonly Network[],
): CatalogConfig['combos'] {
  if (node.isAbsent || node.value === 'all') return 'all';
  if (typeof node.value === 'string') node.fail(`expected "all" or a list of { execution, consensus }, got "${node.value}"`);
  const seen = new Set<string>();
  const combos = node.items().map((item): ComboConfig => {
    item.map(['execution', 'consensus', 'networks']);
    const el = item.child('execution');
    const cl = item.child('consensus');
    const elName = el.oneOf(EXECUTION_CLIENTS);
    const clName = cl.oneOf(CONSENSUS_CLIENTS);
    if (!execution.has(elName)) el.fail(`${elName} is not offered: add it under clients.execution or drop this combo`);
    if (!consensus.has(clName)) cl.fail(`${clName} is not offered: add it under clients.consensus or drop this combo`);
    const key = `${elName}+${clName}`;
    if (seen.has(key)) item.fail(`${elName} + ${clName} is listed twice`);
    seen.add(key);
    const networksNode = item.child('networks');
    let networks: readonly Network[] | undefined;
    if (!networksNode.isAbsent) {
      networks = networksNode.items().map((n) => {
        const network = parseNetworkName(n, n.value);
        if (!offeredNetworks.includes(network)) n.fail(`${network} is not offered: add it under networks first`);
        return network;
      });
    }
    return { execution: elName, consensus: clName, ...(networks && { networks }), path: item.path };
  });
  if (combos.length === 0) node.fail('lists no combos: use `combos: all` or list at least one');
  return combos;
}

function parseNetworkName(node: YamlNode, name: unknown): Network {
  if (typeof name !== 'string') node.fail('expected a network name');
  const deprecated = DEPRECATED_NETWORKS[name];
  if (deprecated) node.fail(deprecated);
  if (!(NETWORKS as readonly string[]).includes(name)) {
    node.fail(`unknown network "${name}"; offered networks can be: ${NETWORKS.join(', ')}`);
  }
  return name as Network;
}

function parseTargets(node: YamlNode): Pick<CatalogConfig, 'targets' | 'targetDefaults'> {
  if (node.isAbsent) return { targets: TARGETS, targetDefaults: {} };
  const targets: Target[] = [];
  let kubernetes: KubernetesTargetProps | undefined;
  let aws: AwsTargetProps | undefined;
  for (const entry of node.entries()) {
    const target = entry.key;
    if (!(TARGETS as readonly string[]).includes(target)) {
      entry.fail(`unknown target "${target}"; targets are: ${TARGETS.join(', ')}`);
    }
    targets.push(target as Target);
    if (entry.isAbsent) continue;
    if (target === 'kubernetes') kubernetes = parseKubernetesDefaults(entry);
    else if (target === 'aws') aws = parseAwsDefaults(entry);
    else entry.map([]);
  }
  if (targets.length === 0) node.fail(`offers no targets: list at least one of ${TARGETS.join(', ')}`);
  return { targets, targetDefaults: { ...(kubernetes && { kubernetes }), ...(aws && { aws }) } };
}

function parseKubernetesDefaults(node: YamlNode): KubernetesTargetProps {
  node.map(['storage_class_name', 'config_context']);
  const storageClassName = node.child('storage_class_name').optionalString();
  const configContext = node.child('config_context').optionalString();
  return {
    ...(storageClassName !== undefined && { storageClassName }),
    ...(configContext !== undefined && { configContext }),
  };
}

function parseAwsDefaults(node: YamlNode): AwsTargetProps {
  node.map(['region', 'instance_type', 'subnet_id', 'ami_id', 'volume_type', 'volume_iops', 'rpc_allowed_cidrs', 'public_ip']);
  const region = node.child('region').optionalString();
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    node.child('region').fail(`"${region}" is not an AWS region name such as us-east-1`);
  }
  const volumeTypeNode = node.child('volume_type');
  const volumeIopsNode = node.child('volume_iops');
  const cidrsNode = node.child('rpc_allowed_cidrs');
  const rpcAllowedCidrs = cidrsNode.isAbsent
    ? undefined
    : cidrsNode.items().map((item) => {
        const cidr = item.string();
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) item.fail(`"${cidr}" is not an IPv4 CIDR such as 10.0.0.0/16`);
        return cidr;
      });
  const instanceType = node.child('instance_type').optionalString();
  const subnetId = node.child('subnet_id').optionalString();
  const amiId = node.child('ami_id').optionalString();
  const publicIpNode = node.child('public_ip');
  return {
    ...(region !== undefined && { region }),
    ...(instanceType !== undefined && { instanceType }),
    ...(subnetId !== undefined && { subnetId }),
    ...(amiId !== undefined && { amiId }),
    ...(!volumeTypeNode.isAbsent && { volumeType: volumeTypeNode.oneOf(['gp3', 'io2'] as const) }),
    ...(!volumeIopsNode.isAbsent && { volumeIops: volumeIopsNode.integer(3000, 256_000) }),
    ...(rpcAllowedCidrs && { rpcAllowedCidrs }),
    ...(!publicIpNode.isAbsent && { publicIp: publicIpNode.boolean() }),
  };
}

function parseNetworks(node: YamlNode): readonly NetworkConfig[] {
  if (node.isAbsent) node.fail(`required: the networks offered, any of ${NETWORKS.join(', ')}`);
  const networks = node.entries().map((entry) => parseNetwork(entry, parseNetworkName(entry, entry.key)));
  if (networks.length === 0) node.fail(`offers no networks: list at least one of ${NETWORKS.join(', ')}`);
  return networks;
}

function parseNetwork(node: YamlNode, network: Network): NetworkConfig {
  if (node.isAbsent) {
    return {
      network,
      diversity: DEFAULT_DIVERSITY,
      lido: 'off',
      defaultRelays: [],
      defaultMinBidEth: 0,
      storageMinimums: DEFAULT_STORAGE_MINIMUMS[network],
    };
  }
  node.map(['checkpoint_sync_url', 'diversity', 'lido', 'mev_boost', 'storage_minimum_gi']);
  const checkpointNode = node.child('checkpoint_sync_url');
  const checkpointSyncUrl = checkpointNode.optionalString();
  if (checkpointSyncUrl !== undefined) httpsUrl(checkpointNode, checkpointSyncUrl);

  const diversity = parseDiversity(node.child('diversity'));
  const lidoNode = node.child('lido');
  const mevNode = node.child('mev_boost');
  let defaultRelays: readonly string[] = [];
  let defaultMinBidEth = 0;
  if (!mevNode.isAbsent && networkBuilders(network) === 'in-protocol') {
    mevNode.fail(
      `${network} runs ${forkName(NETWORK_FORKS[network].fork)}, which enshrines proposer-builder separation (EIP-7732): beacon nodes take builders' bids themselves and MEV-Boost has no part there; remove mev_boost from ${network}`,
    );
  }
  if (!mevNode.isAbsent) {
    mevNode.map(['relays', 'min_bid_eth']);
    const relaysNode = mevNode.child('relays');
    if (!relaysNode.isAbsent) defaultRelays = parseRelayUrls(relaysNode);
    const minBidNode = mevNode.child('min_bid_eth');
    if (!minBidNode.isAbsent) defaultMinBidEth = minBidNode.number(0, 1_000_000);
  }
  const storageNode = node.child('storage_minimum_gi');
  let storageMinimums = DEFAULT_STORAGE_MINIMUMS[network];
  if (!storageNode.isAbsent) {
    storageNode.map(['execution', 'consensus']);
    const el = storageNode.child('execution');
    const cl = storageNode.child('consensus');
    storageMinimums = {
      executionGi: el.isAbsent ? storageMinimums.executionGi : el.integer(1, MAX_VOLUME_GI),
      consensusGi: cl.isAbsent ? storageMinimums.consensusGi : cl.integer(1, MAX_VOLUME_GI),
    };
  }
  return {
    network,
    ...(checkpointSyncUrl !== undefined && { checkpointSyncUrl }),
    diversity,
    lido: lidoNode.isAbsent ? 'off' : lidoNode.oneOf(LIDO_MODES),
    defaultRelays,
    defaultMinBidEth,
    storageMinimums,
  };
}

function httpsUrl(node: YamlNode, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    node.fail(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'https:') node.fail(`"${text}" must use https`);
}

function parseDiversity(node: YamlNode): DiversityThresholds {
  if (node.isAbsent) return DEFAULT_DIVERSITY;
  node.map(['warn', 'refuse']);
  const warnNode = node.child('warn');
  const refuseNode = node.child('refuse');
  const warn = warnNode.isAbsent ? DEFAULT_DIVERSITY.warn : warnNode.number(0, 1);
  const refuse = refuseNode.isAbsent ? DEFAULT_DIVERSITY.refuse : refuseNode.number(0, 1);
  if (warn >= refuse) node.fail(`warn (${warn}) must be below refuse (${refuse})`);
  return { warn, refuse };
}

function parseRelayUrls(node: YamlNode): readonly string[] {
  const relays = node.items().map((item) => relayUrl(item));
  const duplicate = relays.find((relay, index) => relays.indexOf(relay) !== index);
  if (duplicate !== undefined) node.fail(`relay ${duplicate} is listed twice`);
  return relays;
}

function relayUrl(node: YamlNode): string {
  const url = node.string();
  if (!RELAY_URL.test(url)) node.fail(`"${url}" is not a relay URL of the form https://0x<96 hex digits>@host`);
  return url;
}

function parseMiddleware(node: YamlNode): boolean {
  if (node.isAbsent) return true;
  node.map(['mev_boost']);
  const mev = node.child('mev_boost');
  return mev.isAbsent ? true : mev.boolean();
}

function checksummed(node: YamlNode): string {
  if (typeof node.value === 'number') node.fail('quote the address ("0x..."): unquoted, YAML reads it as a number');
  const address = node.string();
  if (!isChecksumAddress(address)) {
    const hint = /^0x[0-9a-fA-F]{40}$/.test(address)
      ? ` (its EIP-55 checksum form is ${toChecksumAddress(address)}; check the address against Lido's docs before using it)`
      : '';
    node.fail(`"${address}" is not an EIP-55 checksummed address${hint}`);
  }
  return address;
}

function parseLido(node: YamlNode, networks: readonly NetworkConfig[]): LidoConfig {
  const lidoNetworks: Partial<Record<Network, LidoNetworkConfig>> = {};
  let maxMinBidEth = 0.07;
  let builderBoostFactor = 100;
  if (!node.isAbsent) {
    node.map(['max_min_bid_eth', 'builder_boost_factor', 'networks']);
    // Lido's rules are fixed: an operator may cap min-bid lower, never higher, and not change the factor.
    const maxNode = node.child('max_min_bid_eth');
    if (!maxNode.isAbsent) {
      maxMinBidEth = maxNode.number(0, Number.MAX_VALUE);
      if (maxMinBidEth > LIDO_MAX_MIN_BID_ETH) {
        maxNode.fail(
          `${maxMinBidEth} ETH is above Lido's min-bid limit of ${LIDO_MAX_MIN_BID_ETH} ETH; set ${LIDO_MAX_MIN_BID_ETH} or lower (a stricter cap is allowed), or remove the key for ${LIDO_MAX_MIN_BID_ETH}`,
        );
      }
    }
    const boostNode = node.child('builder_boost_factor');
    if (!boostNode.isAbsent) {
      builderBoostFactor = boostNode.integer(0, Number.MAX_SAFE_INTEGER);
      if (builderBoostFactor !== LIDO_BUILDER_BOOST_FACTOR) {
        boostNode.fail(
          `${builderBoostFactor} is not Lido's builder boost factor: Lido requires ${LIDO_BUILDER_BOOST_FACTOR} (builder and local blocks weighed equally); set ${LIDO_BUILDER_BOOST_FACTOR} or remove the key`,
        );
      }
    }
    const networksNode = node.child('networks');
    if (!networksNode.isAbsent) {
      for (const entry of networksNode.entries()) {
        const network = parseNetworkName(entry, entry.key);
        lidoNetworks[network] = parseLidoNetwork(entry, network);
      }
    }
  }
  for (const network of networks) {
    if (network.lido !== 'off' && !lidoNetworks[network.network]) {
      new YamlNode(node.source, `networks.${network.network}.lido`, network.lido).fail(
        `Lido mode "${network.lido}" needs lido.networks.${network.network} (execution_layer_rewards_vault and relay_allow_list)`,
      );
    }
  }
  return { maxMinBidEth, builderBoostFactor, networks: lidoNetworks };
}

function parseLidoNetwork(node: YamlNode, network: Network): LidoNetworkConfig {
  node.map(['execution_layer_rewards_vault', 'withdrawal_vault', 'relay_allow_list']);
  const vaultNode = node.child('execution_layer_rewards_vault');
  const known = LIDO_EXECUTION_LAYER_REWARDS_VAULTS[network];
  // The vault is Lido's contract, not a setting: another address would send Lido's rewards elsewhere.
  const vault = vaultNode.isAbsent ? known : checksummed(vaultNode);
  if (vault.toLowerCase() !== known.toLowerCase()) {
    vaultNode.fail(`"${vault}" is not Lido's Execution Layer Rewards Vault on ${network}, ${known}; set ${known} or remove the key`);
  }
  const withdrawalNode = node.child('withdrawal_vault');
  const listNode = node.child('relay_allow_list');
  if (listNode.isAbsent) listNode.fail('required: the snapshot of the MEVBoostRelayAllowedList ({ source, relays })');
  listNode.map(['source', 'as_of', 'observed', 'changed', 'relays']);
  const relays = listNode
    .child('relays')
    .items()
    .map((item): RelayEntry => {
      item.map(['url', 'operator', 'mandatory', 'description']);
      const operator = item.child('operator').optionalString();
      const description = item.child('description').optionalString();
      const mandatoryNode = item.child('mandatory');
      return {
        url: relayUrl(item.child('url')),
        ...(operator !== undefined && { operator }),
        mandatory: mandatoryNode.isAbsent ? false : mandatoryNode.boolean(),
        ...(description !== undefined && { description }),
      };
    });
  const asOf = listNode.child('as_of').optionalString();
  const observedNode = listNode.child('observed');
  const changedNode = listNode.child('changed');
  const listDay = (node: typeof observedNode): string | undefined => {
    const value = node.optionalString();
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) node.fail(`"${value}" is not a date in YYYY-MM-DD form`);
    return value;
  };
  const observed = listDay(observedNode);
  const changed = listDay(changedNode);
  return {
    executionLayerRewardsVault: vault,
    ...(!withdrawalNode.isAbsent && { withdrawalVault: checksummed(withdrawalNode) }),
    relayAllowList: {
      source: listNode.child('source').string(),
      ...(asOf !== undefined && { asOf }),
      ...(observed !== undefined && { observed }),
      ...(changed !== undefined && { changed }),
      relays,
    },
  };
}

const PLACEHOLDER = /\{([a-zA-Z0-9_-]+)\}/g;

/** A segment name found in none of `texts`: filling templates with it shows what holds for every instance id. */
function freshName(texts: readonly string[]): string {
  let name = 'any-instance';
  while (texts.some((text) => text.includes(name))) name += '-x';
  return name;
}

function parseScopes(node: YamlNode): ScopesConfig {
  if (node.isAbsent) return { allowed: DEFAULT_SCOPE_ALLOWANCE };
  node.map(['allowed']);
  const allowedNode = node.child('allowed');
  if (allowedNode.isAbsent) return { allowed: DEFAULT_SCOPE_ALLOWANCE };
  allowedNode.map(SCOPE_PLAN_KINDS);
  const allowed = { ...DEFAULT_SCOPE_ALLOWANCE };
  for (const kind of SCOPE_PLAN_KINDS) {
    const kindNode = allowedNode.child(kind);
    if (!kindNode.isAbsent) allowed[kind] = parseScopeAllowance(kindNode, kind);
  }
  return { allowed };
}

function parseScopeAllowance(node: YamlNode, kind: ScopePlanKind): readonly string[] {
  const items = node.items();
  if (items.length === 0) {
    node.fail(`allows no scopes, but ${kind} bindings get ${DEFAULT_BINDING_SCOPE_TEMPLATES.join(' ')} by default; list at least that, e.g. ["${DEFAULT_SCOPE_ALLOWANCE[kind][0]}"]`);
  }
  const templates = items.map((item) => {
    const template = item.string();
    if (!isValidScopeTemplate(template)) {
      item.fail(`"${template}" is not a scope template: use realm:context:action with segments of letters, digits, _ or -, "*", "**" or {${INSTANCE_ID_PLACEHOLDER}}, e.g. "${DEFAULT_SCOPE_ALLOWANCE[kind][0]}"`);
    }
    const placeholders = [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
    const unknown = placeholders.find((name) => name !== INSTANCE_ID_PLACEHOLDER);
    if (unknown !== undefined) {
      item.fail(`"${template}" uses {${unknown}}; a binding scope template may only use {${INSTANCE_ID_PLACEHOLDER}} (the instance's id)`);
    }
    if (placeholders.length === 0) {
      item.fail(`"${template}" has no {${INSTANCE_ID_PLACEHOLDER}}: it would let a binding of one instance reach every instance; put {${INSTANCE_ID_PLACEHOLDER}} in its context, e.g. "${DEFAULT_SCOPE_ALLOWANCE[kind][0]}"`);
    }
    return template;
  });
  const duplicate = templates.find((template, index) => templates.indexOf(template) !== index);
  if (duplicate !== undefined) node.fail(`"${duplicate}" is listed twice`);
  const values = { [INSTANCE_ID_PLACEHOLDER]: freshName([...templates, ...DEFAULT_BINDING_SCOPE_TEMPLATES]) };
  let coversDefault: boolean;
  try {
    coversDefault = isSuperset(fillTemplate(templates, values), fillTemplate(DEFAULT_BINDING_SCOPE_TEMPLATES, values));
  } catch (error) {
    if (!(error instanceof ScopeComplexityError)) throw error;
    node.fail(`is too complex to compare with the default binding scope (${error.reason})`);
  }
  if (!coversDefault) {
    node.fail(
      `does not cover the default binding scope ${DEFAULT_BINDING_SCOPE_TEMPLATES.join(' ')}, which ${kind} bindings get when they ask for nothing; add "${DEFAULT_BINDING_SCOPE_TEMPLATES[0]}" or a template covering it`,
    );
  }
  return templates;
}

function parseIncentives(
  node: YamlNode,
  execution: ReadonlyMap<string, ClientRelease>,
  consensus: ReadonlyMap<string, ClientRelease>,
): ReadonlyMap<string, IncentiveConfig> {
  const incentives = new Map<string, IncentiveConfig>();
  if (node.isAbsent) return incentives;
  for (const entry of node.entries()) {
    if (!execution.has(entry.key) && !consensus.has(entry.key)) {
      entry.fail(`"${entry.key}" is not an offered client; incentives are keyed by client name`);
    }
    entry.map(['description', 'fee_multiplier', 'reward_multiplier']);
    const fee = entry.child('fee_multiplier');
    const reward = entry.child('reward_multiplier');
    incentives.set(entry.key, {
      description: entry.child('description').string(),
      ...(!fee.isAbsent && { feeMultiplier: fee.number(0, 10) }),
      ...(!reward.isAbsent && { rewardMultiplier: reward.number(0, 10) }),
    });
  }
  return incentives;
}
