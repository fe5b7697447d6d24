/**
 * What a change means for the infrastructure, predicted from the configuration alone: which attributes
 * force terraform to replace a resource (the providers' ForceNew attributes for the resource types the
 * stacks use), which resources hold chain data, and which strings are container images. `terraform plan`
 * stays the authority (`ovsb review --terraform-plan`); these rules are what a reviewer can know from a
 * pull request without credentials.
 */
import { isObject } from '../json';
import { keyPath, type Json, type ValueChange } from './json-diff';

/** Attribute key paths (object keys only, list positions dropped) that force replacement, by resource type. */
const METADATA_IDENTITY = ['metadata.name', 'metadata.namespace'];
const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  kubernetes_namespace_v1: ['metadata.name'],
  kubernetes_namespace: ['metadata.name'],
  // Kubernetes refuses updates to a StatefulSet's selector, serviceName, podManagementPolicy and
  // volumeClaimTemplates; the provider replaces the object (or, for some template fields, never converges).
  kubernetes_stateful_set_v1: [...METADATA_IDENTITY, 'spec.selector', 'spec.service_name', 'spec.pod_management_policy', 'spec.volume_claim_template'],
  kubernetes_stateful_set: [...METADATA_IDENTITY, 'spec.selector', 'spec.service_name', 'spec.pod_management_policy', 'spec.volume_claim_template'],
  kubernetes_persistent_volume_claim_v1: [...METADATA_IDENTITY, 'spec.access_modes', 'spec.storage_class_name', 'spec.selector', 'spec.volume_name', 'spec.volume_mode'],
  kubernetes_persistent_volume_claim: [...METADATA_IDENTITY, 'spec.access_modes', 'spec.storage_class_name', 'spec.selector', 'spec.volume_name', 'spec.volume_mode'],
  kubernetes_deployment_v1: [...METADATA_IDENTITY, 'spec.selector'],
  kubernetes_service_v1: METADATA_IDENTITY,
  kubernetes_secret_v1: [...METADATA_IDENTITY, 'type'],
  kubernetes_config_map_v1: METADATA_IDENTITY,
  kubernetes_network_policy_v1: METADATA_IDENTITY,
  kubernetes_service_account_v1: METADATA_IDENTITY,
  kubernetes_pod_disruption_budget_v1: [...METADATA_IDENTITY, 'spec.selector'],
  kubernetes_cluster_role_v1: ['metadata.name'],
  kubernetes_cluster_role_binding_v1: ['metadata.name', 'role_ref'],
  aws_ebs_volume: ['availability_zone', 'encrypted', 'kms_key_id', 'snapshot_id', 'outpost_arn'],
  aws_instance: [
    'ami',
    'subnet_id',
    'availability_zone',
    'key_name',
    'private_ip',
    'associate_public_ip_address',
    'root_block_device.encrypted',
    'tenancy',
    'primary_network_interface',
    'network_interface',
  ],
  aws_network_interface: ['subnet_id', 'interface_type'],
  aws_eip: ['domain'],
  aws_iam_role: ['name', 'name_prefix', 'path'],
  aws_iam_instance_profile: ['name', 'name_prefix', 'path'],
  aws_iam_role_policy_attachment: ['role', 'policy_arn'],
  aws_volume_attachment: ['device_name', 'instance_id', 'volume_id'],
  aws_security_group: ['name', 'name_prefix', 'description', 'vpc_id'],
  aws_vpc_security_group_ingress_rule: ['security_group_id'],
  aws_vpc_security_group_egress_rule: ['security_group_id'],
  terraform_data: ['triggers_replace'],
  // terraform-provider-ovsb (stacks.yaml broker mode): its requires_replace paths.
  ovsb_service_instance: ['service', 'instance_id'],
  ovsb_service_binding: ['instance_id', 'binding_id', 'parameters'],
};

/** Attributes that replace the resource when `<flag>` is true in its configuration (aws_instance user data). */
const REPLACE_WHEN_FLAG: Readonly<Record<string, { readonly flag: string; readonly attributes: readonly string[] }>> = {
  aws_instance: { flag: 'user_data_replace_on_change', attributes: ['user_data', 'user_data_base64'] },
};

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

/** The ForceNew attribute a change touches, if any. */
export function forcesReplacement(type: string, change: Pick<ValueChange, 'segments'>, config: Json): string | undefined {
  const path = keyPath(change.segments);
  const direct = FORCE_NEW[type]?.find((attribute) => under(path, attribute));
  if (direct !== undefined) return direct;
  const conditional = REPLACE_WHEN_FLAG[type];
  if (conditional && isObject(config) && config[conditional.flag] === true) {
    return conditional.attributes.find((attribute) => under(path, attribute));
  }
  return undefined;
}

/** ForceNew attribute paths of a resource type (for reference propagation). */
export function forceNewAttributes(type: string, config: Json): readonly string[] {
  const conditional = REPLACE_WHEN_FLAG[type];
  const flagged = conditional && isObject(config) && config[conditional.flag] === true ? conditional.attributes : [];
  return [...(FORCE_NEW[type] ?? []), ...flagged];
}

/** Attributes the configuration tells terraform to ignore (`lifecycle.ignore_changes`). */
export function ignoredAttributes(config: Json): readonly string[] {
  if (!isObject(config)) return [];
  const lifecycle = config['lifecycle'];
  if (!isObject(lifecycle)) return [];
  const ignore = lifecycle['ignore_changes'];
  if (ignore === 'all') return [''];
  return Array.isArray(ignore) ? ignore.filter((item): item is string => typeof item === 'string') : [];
}

export function isIgnored(change: Pick<ValueChange, 'segments'>, ignored: readonly string[]): boolean {
  const path = keyPath(change.segments);
  return ignored.some((attribute) => attribute === '' || under(path, attribute));
}


/** How a resource type holds chain data. */
export type DataVolumeRole =
  /** The volume itself (a PVC, an EBS volume). */
  | 'volume'
  /** Owns volumes through claim templates (a StatefulSet). */
  | 'volume-owner'
  /** Deleting it deletes every volume claim inside (a namespace). */
  | 'volume-container'
  /** The sandbox's record of a container with a data volume: nothing runs, but it is the topology the real targets get. */
  | 'volume-record'
  /** A service instance at a broker (stacks.yaml broker mode): deprovisioning it destroys the node and its volumes. */
  | 'broker-instance';

export function dataVolumeRole(type: string, config: Json): DataVolumeRole | undefined {
  switch (type) {
    case 'aws_ebs_volume':
    case 'kubernetes_persistent_volume_claim_v1':
    case 'kubernetes_persistent_volume_claim':
      return 'volume';
    case 'kubernetes_stateful_set_v1':
    case 'kubernetes_stateful_set': {
      const spec = isObject(config) ? config['spec'] : undefined;
      const templates = isObject(spec) ? spec['volume_claim_template'] : undefined;
      return Array.isArray(templates) && templates.length > 0 ? 'volume-owner' : undefined;
    }
    case 'kubernetes_namespace_v1':
    case 'kubernetes_namespace':
      return 'volume-container';
    case 'ovsb_service_instance':
      return 'broker-instance';
    case 'terraform_data': {
      const input = isObject(config) ? config['input'] : undefined;
      return isObject(input) && isObject(input['data_volume']) ? 'volume-record' : undefined;
    }
    default:
      return undefined;
  }
}

/** Changes to these key paths alter a data volume in place (size, class), by resource type. */
const VOLUME_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  kubernetes_stateful_set_v1: ['spec.volume_claim_template'],
  kubernetes_stateful_set: ['spec.volume_claim_template'],
  kubernetes_persistent_volume_claim_v1: ['spec'],
  kubernetes_persistent_volume_claim: ['spec'],
  aws_ebs_volume: ['size', 'type', 'iops', 'throughput'],
  terraform_data: ['input.data_volume'],
  ovsb_service_instance: ['parameters.execution_storage_gi', 'parameters.consensus_storage_gi'],
};

export function touchesVolume(type: string, change: Pick<ValueChange, 'segments'>): boolean {
  const path = keyPath(change.segments);
  return (VOLUME_ATTRIBUTES[type] ?? []).some((attribute) => under(path, attribute));
}

/** A container image reference split at its tag. */
export interface ImageRef {
  readonly repository: string;
  readonly tag: string;
}

/**
 * `registry/namespace/name:tag` (at least one `/`, so `host:port` and URLs are not taken for images; every
 * client image the catalog uses has one) with an optional digest dropped.
 */
const IMAGE = /(?<![A-Za-z0-9._/:@-])((?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})(?:@sha256:[a-f0-9]{64})?(?![A-Za-z0-9._/:@-])/g;

export function imageRefs(text: string): ImageRef[] {
  const refs: ImageRef[] = [];
  for (const match of text.matchAll(IMAGE)) {
    const repository = match[1];
    const tag = match[2];
    // A tag with a digit: versions always have one; `host/path:word` in a URL or flag rarely does not.
    if (repository !== undefined && tag !== undefined && /\d/.test(tag)) refs.push({ repository, tag });
  }
  return refs;
}

/** Strings of a JSON value, depth first. */
export function stringsOf(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (isObject(value)) return Object.values(value).flatMap(stringsOf);
  return [];
}
