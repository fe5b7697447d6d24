/**
 * stacks.yaml in the apps `ovsb synth` and `cdktf synth` run: the team's stacks next to the catalog's
 * example stacks.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog';
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

export async function teamStackDefinition(stack: TeamStack): Promise<StackDefinition> {
  switch (stack.kind) {
    case 'node':
      return nodeStackDefinition(stack.name, stack.props);
    case 'mev-boost':
      return mevBoostStackDefinition(stack.name, stack.props);
    case 'through-broker': {
      validateStackName(stack.name);
      const { name, props } = stack;
      const { BrokerInstanceStack } = await import('../../stacks/broker-instance-stack');
      return { name, build: (app) => new BrokerInstanceStack(app, name, props) };
    }
    case 'broker': {
      validateStackName(stack.name);
      const { name, props } = stack;
      // Loaded only when stacks.yaml deploys the broker: its Deployment and RBAC bindings take ~250 ms to load.
      const { BrokerStack } = await import('../../stacks/broker/broker-stack');
      return { name, build: (app) => new BrokerStack(app, name, props) };
    }
  }
}

/**
 * The team's stacks: from OVSB_STACKS_FILE (which must exist when set), else from ./stacks.yaml when
 * there is one, else none.
 */
export async function teamStackDefinitions(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  catalog: Catalog,
): Promise<StackDefinition[]> {
  const configured = stacksFilePathFromEnv(env);
  const path = resolve(cwd, configured);
  if (configured === DEFAULT_STACKS_FILE && !existsSync(path)) return [];
  return Promise.all(loadTeamStacks(path, catalog, configured).map(teamStackDefinition));
}
