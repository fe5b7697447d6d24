import type { MevBoostStackProps, NodeStackProps } from '../../stacks/props';
import type { Catalog } from '../catalog/catalog';
import type { CatalogPlan } from '../catalog/model';
import type { MevBoostServiceParameters, NodeParameters } from '../catalog/parameters';
import { resolveMevBoostStackProps, resolveNodeStackProps, type ResolveOptions } from './resolve';

export { instanceNameFor } from './instance-name';
export { resolveMevBoostStackProps, resolveNodeStackProps, type ResolveOptions } from './resolve';

export type ResolvedStack =
  | { readonly kind: 'node'; readonly props: NodeStackProps }
  | { readonly kind: 'mev-boost'; readonly props: MevBoostStackProps };

/** Stack props for any plan; `params` must have passed `catalog.validateParameters(plan, ...)`. */
export function resolveStackProps(
  catalog: Catalog,
  plan: CatalogPlan,
  params: NodeParameters | MevBoostServiceParameters,
  options: ResolveOptions,
): ResolvedStack {
  return plan.kind === 'node'
    ? { kind: 'node', props: resolveNodeStackProps(catalog, plan, params as NodeParameters, options) }
    : { kind: 'mev-boost', props: resolveMevBoostStackProps(catalog, plan, params as MevBoostServiceParameters, options) };
}
