/**
 * Which planned changes would lose chain data. An update whose plan deletes or replaces a data volume
 * (weeks of sync) is refused unless the caller opts in.
 *
 * The rules follow what the stacks synthesise (construct ids are cdktf-hashed, e.g.
 * `node_execution_D93D8975`, so rules go by resource type and attributes, never by name):
 * - aws (modules/aws/node.ts): `aws_ebs_volume` deleted or replaced; `aws_volume_attachment` deleted
 *   without a replacement (the node loses its data disk). A replaced attachment is the volume moving to a
 *   replaced instance: no data is lost, so it does not count.
 * - kubernetes (modules/kubernetes/node.ts): a `kubernetes_stateful_set_v1` that has a
 *   `volume_claim_template` and is replaced or deleted (the claim template is immutable: a changed size or
 *   storage class replaces the StatefulSet, and whether its data survives then depends on the claim's
 *   retention policy and name, which the plan cannot show); a `kubernetes_persistent_volume_claim_v1`
 *   deleted or replaced.
 * - sandbox (modules/sandbox/node.ts): the `terraform_data` record of a container whose input has a
 *   `data_volume`, when the record is deleted or replaced, or updated with another volume `name` or
 *   `size_gi`: the sandbox's stand-in for the claim template (a mount path change is a pod change only).
 */
import { isObject } from '../json';
import type { ChangeAction, ResourceRef } from './events';

export interface DataVolumeChange {
  readonly resource: ResourceRef;
  readonly action: ChangeAction;
  /**
   * Attributes before and after, from `show -json` of the saved plan. Absent when only the event stream
   * is known: then a rule that needs them decides conservatively (StatefulSets count) or not at all
   * (sandbox records do not).
   */
  readonly before?: unknown;
  readonly after?: unknown;
}

export type DataVolumePredicate = (change: DataVolumeChange) => boolean;

const DESTRUCTIVE: ReadonlySet<ChangeAction> = new Set(['delete', 'replace']);

type JsonObject = Readonly<Record<string, unknown>>;

/** A nested block: plan JSON always has lists, synthesised JSON has an object for single blocks. */
function blocks(value: unknown): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

function hasClaimTemplate(attributes: unknown): boolean | undefined {
  if (!isObject(attributes)) return undefined;
  return blocks(attributes['spec']).some((spec) => blocks(spec['volume_claim_template']).length > 0);
}

/** The sandbox record's volume as it matters to the data: name and size. Undefined: no volume. */
function sandboxVolume(attributes: unknown): { name: unknown; size: unknown } | undefined {
  if (!isObject(attributes) || !isObject(attributes['input'])) return undefined;
  const volume = attributes['input']['data_volume'];
  return isObject(volume) ? { name: volume['name'], size: volume['size_gi'] } : undefined;
}

function sandboxVolumeLost(change: DataVolumeChange): boolean {
  if (change.before === undefined) return false;
  const before = sandboxVolume(change.before);
  if (before === undefined) return false;
  if (DESTRUCTIVE.has(change.action)) return true;
  if (change.action !== 'update') return false;
  // `show -json` leaves values known only after apply out of `after`: an absent one cannot prove the volume kept.
  const after = sandboxVolume(change.after);
  return after === undefined || after.name !== before.name || after.size !== before.size;
}

export const defaultDataVolumePredicate: DataVolumePredicate = (change) => {
  const { resource, action } = change;
  switch (resource.type) {
    case 'aws_ebs_volume':
    case 'kubernetes_persistent_volume_claim_v1':
    case 'kubernetes_persistent_volume_claim':
      return DESTRUCTIVE.has(action);
    case 'aws_volume_attachment':
      return action === 'delete';
    case 'kubernetes_stateful_set_v1':
    case 'kubernetes_stateful_set':
      return DESTRUCTIVE.has(action) && (hasClaimTemplate(change.before) ?? true);
    case 'terraform_data':
      return sandboxVolumeLost(change);
    default:
      return false;
  }
};
