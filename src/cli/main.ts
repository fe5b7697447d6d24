#!/usr/bin/env node
/**
 * `ovsb`: the command-line entry. Errors an operator can fix print one line on stderr (exit 2);
 * anything else is a bug and prints its stack (exit 1).
 */
import { ConfigError, OsbError } from '../errors';
import { asksForHelp } from './args';
import { UsageError, type CliContext } from './command';
import { COMMANDS, findCommand } from './commands';

export async function main(argv: readonly string[], context: CliContext): Promise<number> {
  const [name = 'help', ...args] = argv;
  const entry = findCommand(name === '--help' || name === '-h' ? 'help' : name);
  if (!entry) {
    context.stderr.write(`ovsb: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (ovsb help)\n`);
    return 2;
  }
  const command = await entry.load();
  // Every command answers --help with its usage, whatever its own options.
  if (asksForHelp(args)) {
    context.stdout.write(`${command.summary}\n\n${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, context);
  } catch (error) {
    return report(error, context, command.usage);
  }
}

/** Exit code for an error, after printing it for a human. */
export function report(error: unknown, context: CliContext, usage?: string): number {
  if (error instanceof ConfigError) {
    context.stderr.write(`ovsb: ${error.message}\n`);
    return 2;
  }
  if (error instanceof UsageError) {
    context.stderr.write(`ovsb: ${error.message}\n${usage ? `\n${usage}\n` : ''}`);
    return 2;
  }
  if (error instanceof OsbError) {
    context.stderr.write(`ovsb: ${error.description}\n`);
    return 2;
  }
  context.stderr.write(`ovsb: unexpected error (a bug; please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = report(error, { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
    },
  );
}
