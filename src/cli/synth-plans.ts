/**
 * The stacks `ovsb synth` and `cdktf synth` produce: each plan with its example parameters, named by
 * the plan's stack name, instance name derived from the plan id.
 */
import type { Catalog } from '../catalog/catalog';
import { describeParameterErrors } from '../catalog/parameters';
import type { CatalogPlan } from '../catalog/model';
import { ConfigError } from '../errors';
import { mevBoostStackDefinition, nodeStackDefinition, type StackDefinition } from '../synth';
import { instanceNameFor, resolveStackProps } from '../topology';

export function exampleStackDefinition(catalog: Catalog, plan: CatalogPlan): StackDefinition {
  const params = catalog.exampleParameters(plan);
  const validation = catalog.validateParameters(plan, params, 'create');
  if (!validation.ok) {
    // The catalog produced parameters its own schema refuses: the catalog is inconsistent.
    throw new ConfigError(catalog.source, plan.stackName, `example parameters are invalid: ${describeParameterErrors(validation.errors)}`);
  }
  const resolved = resolveStackProps(catalog, plan, params, { instanceName: instanceNameFor(plan.id) });
  return resolved.kind === 'node'
    ? nodeStackDefinition(plan.stackName, resolved.props)
    : mevBoostStackDefinition(plan.stackName, resolved.props);
}

export const exampleStackDefinitions = (catalog: Catalog, plans: readonly CatalogPlan[]): StackDefinition[] =>
  plans.map((plan) => exampleStackDefinition(catalog, plan));
