/**
 * Topology resolution: catalog plan + validated OSB parameters (snake_case) -> typed stack props
 * (camelCase), with defaults from the catalog. Pure: no files, env, clock or network.
 */
import type { Component, ResourceSpec } from '../../modules/clients/types';
import type {
  AwsTargetProps,
  BackendProps,
  KubernetesTargetProps,
  MevBoostSettings,
  MevBoostStackProps,
  NodeStackProps,
  StackCommonProps,
  ValidatorKeysRef,
} from '../../stacks/props';
import type { Catalog } from '../catalog/catalog';
import { toChecksumAddress } from '../catalog/eip55';
import type { CatalogPlan, MevBoostPlan, NodePlan } from '../catalog/model';
import type {
  MevBoostServiceParameters,
  NodeParameters,
  ResourceParameters,
  ValidatorKeysParameter,
} from '../catalog/parameters';
import { badRequest } from '../errors';
import { toProbeSettings } from '../probes/parameters';

export interface ResolveOptions {
  /** DNS-label-safe name of the instance (see `instanceNameFor`). */
  readonly instanceName: string;
  /** @default local state in the working directory */
  readonly backend?: BackendProps;
  /** Per-target settings of this deployment (broker env); they win over catalog.yaml `targets`. */
  readonly targetDefaults?: {
    readonly kubernetes?: KubernetesTargetProps;
    readonly aws?: AwsTargetProps;
  };
}

function commonProps(catalog: Catalog, plan: CatalogPlan, options: ResolveOptions): StackCommonProps {
  const fromCatalog = catalog.config.targetDefaults;
  const kubernetes = { ...fromCatalog.kubernetes, ...options.targetDefaults?.kubernetes };
  const aws = { ...fromCatalog.aws, ...options.targetDefaults?.aws };
  return {
    instanceName: options.instanceName,
    target: plan.target,
    ...(options.backend && { backend: options.backend }),
    ...(plan.target === 'kubernetes' && Object.keys(kubernetes).length > 0 && { kubernetes }),
    ...(plan.target === 'aws' && Object.keys(aws).length > 0 && { aws }),
  };
}

export function resolveNodeStackProps(
  catalog: Catalog,
  plan: NodePlan,
  params: NodeParameters,
  options: ResolveOptions,
): NodeStackProps {
  const network = catalog.network(plan.network);
  const validator = plan.role === 'validator';
  const checkpointSyncUrl = params.checkpoint_sync_url ?? network.checkpointSyncUrl;
  // Lido's factor weighs MEV-Boost's bids; a plan without MEV-Boost (enshrined PBS) has none to weigh.
  const builderBoostFactor =
    params.builder_boost_factor ?? (plan.lido && plan.mevBoost ? catalog.lidoRules(plan.network)?.builderBoostFactor : undefined);
  const mevBoost = validator ? mevBoostSettings(catalog, plan, params) : undefined;
  const resources = resourceOverrides(params.resources);
  // A client whose own size is below the plan's minimum gets the minimum (the size the plan's bullets name).
  const { execution: executionVolume, consensus: consensusVolume } = plan.storage;
  const executionStorageGi = params.execution_storage_gi ?? (executionVolume.raisedToMinimum ? executionVolume.sizeGi : undefined);
  const consensusStorageGi = params.consensus_storage_gi ?? (consensusVolume.raisedToMinimum ? consensusVolume.sizeGi : undefined);
  return {
    ...commonProps(catalog, plan, options),
    network: plan.network,
    role: plan.role,
    execution: selection(plan.execution),
    consensus: selection(plan.consensus),
    ...(validator && params.fee_recipient !== undefined && { feeRecipient: toChecksumAddress(params.fee_recipient) }),
    ...(validator && params.graffiti !== undefined && { graffiti: params.graffiti }),
    ...(checkpointSyncUrl !== undefined && { checkpointSyncUrl }),
    ...(mevBoost && { mevBoost }),
    ...(validator && builderBoostFactor !== undefined && { builderBoostFactor }),
    ...(validator && params.validator_keys && { validatorKeys: validatorKeys(params.validator_keys) }),
    ...(validator && params.doppelganger_protection !== undefined && { doppelgangerProtection: params.doppelganger_protection }),
    ...(executionStorageGi !== undefined && { executionStorageGi }),
    ...(consensusStorageGi !== undefined && { consensusStorageGi }),
    ...(resources && { resources }),
    // Unset probe fields take the seed defaults; Kubernetes' own limits are applied by its target.
    ...(params.liveness && { liveness: toProbeSettings('liveness', params.liveness) }),
    ...(params.readiness && { readiness: toProbeSettings('readiness', params.readiness) }),
  };
}

export function resolveMevBoostStackProps(
  catalog: Catalog,
  plan: MevBoostPlan,
  params: MevBoostServiceParameters,
  options: ResolveOptions,
): MevBoostStackProps {
  const network = catalog.network(plan.network);
  const relays = params.relays ?? network.defaultRelays;
  if (relays.length === 0) {
    throw badRequest(`relays is required: the operator lists no default MEV-Boost relays for ${plan.network}`);
  }
  return {
    ...commonProps(catalog, plan, options),
    network: plan.network,
    version: plan.mevBoost.version,
    ...(plan.mevBoost.imageRepository !== undefined && { imageRepository: plan.mevBoost.imageRepository }),
    relays,
    minBidEth: params.min_bid_eth ?? network.defaultMinBidEth,
  };
}

function selection<N extends string>(client: { client: N; version: string; imageRepository?: string }) {
  return {
    client: client.client,
    version: client.version,
    ...(client.imageRepository !== undefined && { imageRepository: client.imageRepository }),
  };
}

function mevBoostSettings(catalog: Catalog, plan: NodePlan, params: NodeParameters): MevBoostSettings | undefined {
  if (params.mev_boost?.enabled === false || !plan.mevBoost) return undefined;
  const network = catalog.network(plan.network);
  // A Lido plan's relays default to Lido's allow-list, never to the network's general defaults.
  const lidoRelays = plan.lido ? catalog.lidoRules(plan.network)?.relayAllowList.relays.map((relay) => relay.url) : undefined;
  const relays = params.mev_boost?.relays ?? lidoRelays ?? network.defaultRelays;
  if (relays.length === 0) {
    throw badRequest(
      lidoRelays !== undefined
        ? `mev_boost.relays is empty: Lido's relay allow-list for ${plan.network} lists no relays; set mev_boost.enabled to false`
        : `mev_boost.relays is required: the operator lists no default relays for ${plan.network}; name relays or set mev_boost.enabled to false`,
    );
  }
  return {
    version: plan.mevBoost.version,
    ...(plan.mevBoost.imageRepository !== undefined && { imageRepository: plan.mevBoost.imageRepository }),
    relays,
    minBidEth: params.mev_boost?.min_bid_eth ?? network.defaultMinBidEth,
  };
}

function validatorKeys(keys: ValidatorKeysParameter): ValidatorKeysRef {
  if ('kubernetes_secret' in keys) return { kind: 'kubernetes-secret', secretName: keys.kubernetes_secret };
  if ('aws_secret' in keys) return { kind: 'aws-secret', secretId: keys.aws_secret };
  return { kind: 'web3signer', url: keys.web3signer_url };
}

function resourceOverrides(
  resources: NodeParameters['resources'],
): Readonly<Partial<Record<Component, Partial<ResourceSpec>>>> | undefined {
  if (!resources) return undefined;
  const entries = (Object.entries(resources) as [Component, ResourceParameters][]).map(
    ([component, r]): [Component, Partial<ResourceSpec>] => [
      component,
      {
        ...(r.cpu_request !== undefined && { cpuRequest: r.cpu_request }),
        ...(r.cpu_limit !== undefined && { cpuLimit: r.cpu_limit }),
        ...(r.memory_request !== undefined && { memoryRequest: r.memory_request }),
        ...(r.memory_limit !== undefined && { memoryLimit: r.memory_limit }),
      },
    ],
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
