import type { Command } from './command';
import { COMMANDS, findCommand } from './commands';

export const helpCommand: Command = {
  name: 'help',
  summary: "show this help, or a command's usage",
  usage: 'ovsb help [command]',
  async run(args, context) {
    const name = args[0];
    if (name !== undefined) {
      const entry = findCommand(name);
      if (!entry) {
        context.stderr.write(`ovsb: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
        return 2;
      }
      context.stdout.write(`${(await entry.load()).usage}\n`);
      return 0;
    }
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    context.stdout.write(
      [
        'ovsb: Open Validator Service Broker',
        '',
        'Usage: ovsb <command> [options]',
        '',
        ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
        '',
        'Environment: OVSB_CATALOG  catalog.yaml to use (default: the one bundled with the package)',
        'Details: ovsb help <command>',
        '',
      ].join('\n'),
    );
    return 0;
  },
};
