import { parseArgs } from './args';
import { loadCliCatalog } from './catalog-path';
import type { Command } from './command';

export const plansCommand: Command = {
  name: 'plans',
  summary: 'list plans: stack name, plan id, service',
  usage: [
    'ovsb plans',
    '  One line per plan: stack name, plan id, service name / plan name. Any of the three names',
    '  the plan for `ovsb synth --plan`.',
  ].join('\n'),
  async run(args, context) {
    parseArgs(args, {});
    const catalog = loadCliCatalog(context);
    const width = Math.max(...catalog.plans.map((p) => p.stackName.length));
    const lines = catalog.plans.map((p) => `${p.stackName.padEnd(width)}  ${p.id}  ${p.serviceName}/${p.name}`);
    context.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
