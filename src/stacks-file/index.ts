/**
 * stacks.yaml in the apps `ovsb synth` and `cdktf synth` run: the team's stacks next to the catalog's
 * example stacks.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog';
import type * as BrokerStackModule from '../../stacks/broker/broker-stack';
import { mevBoostStackDefinition, nodeStackDefinition, validateStackName, type StackDefinition } from '../synth';
import { DEFAULT_STACKS_FILE, loadTeamStacks, stacksFilePathFromEnv, type TeamStack } from './stacks-file';

export {
  DEFAULT_STACKS_FILE,
  loadTeamStacks,
  parseTeamStackEntries,
  parseTeamStacks,
  stacksFilePathFromEnv,
  type TeamStack,
  type TeamStackEntry,
} from './stacks-file';

export function teamStackDefinition(stack: TeamStack): StackDefinition {
  switch (stack.kind) {
    case 'node':
      return nodeStackDefinition(stack.name, stack.props);
    case 'mev-boost':
      return mevBoostStackDefinition(stack.name, stack.props);
    case 'broker': {
      validateStackName(stack.name);
      const { name, props } = stack;
      // Loaded on use: the Deployment and RBAC bindings are large, and node stacks never need them.
      const { BrokerStack } = require('../../stacks/broker/broker-stack') as typeof BrokerStackModule;
      return { name, build: (app) => new BrokerStack(app, name, props) };
    }
  }
}

/**
 * The team's stacks: from OVSB_STACKS_FILE (which must exist when set), else from ./stacks.yaml when
 * there is one, else none.
 */
export function teamStackDefinitions(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  catalog: Catalog,
): StackDefinition[] {
  const configured = stacksFilePathFromEnv(env);
  const path = resolve(cwd, configured);
  if (configured === DEFAULT_STACKS_FILE && !existsSync(path)) return [];
  return loadTeamStacks(path, catalog, configured).map(teamStackDefinition);
}
