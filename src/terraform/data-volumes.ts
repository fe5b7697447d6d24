/**
 * Which planned changes would lose chain data. An update whose plan deletes or replaces a resource that
 * holds a data volume (weeks of sync) is refused unless the caller opts in.
 */
import type { ChangeAction, ResourceRef } from './events';

export type DataVolumePredicate = (resource: ResourceRef, action: ChangeAction) => boolean;

const DESTRUCTIVE: ReadonlySet<ChangeAction> = new Set(['delete', 'replace']);

/**
 * Default rule: a `delete` or `replace` of
 * - `aws_ebs_volume.*`,
 * - `kubernetes_persistent_volume_claim_v1.*` (and the deprecated `kubernetes_persistent_volume_claim`),
 * - `terraform_data.*` whose name contains `volume` (the sandbox target's stand-in for a volume),
 * and a `replace` of `kubernetes_stateful_set_v1.*` (a replaced StatefulSet is recreated with new
 * volumeClaimTemplates; a plain delete leaves its claims in place).
 */
export const defaultDataVolumePredicate: DataVolumePredicate = (resource, action) => {
  if (!DESTRUCTIVE.has(action)) return false;
  switch (resource.type) {
    case 'aws_ebs_volume':
    case 'kubernetes_persistent_volume_claim_v1':
    case 'kubernetes_persistent_volume_claim':
      return true;
    case 'kubernetes_stateful_set_v1':
    case 'kubernetes_stateful_set':
      return action === 'replace';
    case 'terraform_data':
      return resource.name.includes('volume');
    default:
      return false;
  }
};
