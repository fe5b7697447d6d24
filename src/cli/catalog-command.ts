import { parseArgs } from './args';
import { loadCliCatalog } from './catalog-path';
import type { Command } from './command';

export const catalogCommand: Command = {
  name: 'catalog',
  summary: 'print the OSB catalog JSON',
  usage: [
    'ovsb catalog [--compact]',
    '  Prints the OSB v2.17 catalog (GET /v2/catalog body) of OVSB_CATALOG, default the bundled catalog.yaml.',
    '  --compact  one line, no indentation',
  ].join('\n'),
  async run(args, context) {
    const parsed = parseArgs(args, { flags: ['compact'] });
    const osb = loadCliCatalog(context).toOsbCatalog();
    context.stdout.write(`${JSON.stringify(osb, null, parsed.flags.has('compact') ? undefined : 2)}\n`);
    return 0;
  },
};
