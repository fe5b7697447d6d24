/**
 * Command-line options, parsed by Node's own `util.parseArgs` (strict): `--name value`, `--name=value`
 * and boolean `--flag`; no positionals. Unknown options are errors, so a typo never silently does the
 * default thing. `--help` / `-h` is every command's, handled by main.ts before a command runs.
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import { UsageError } from './command';

export interface ParsedArgs {
  /** Option name (without `--`) -> values, in order. */
  readonly options: ReadonlyMap<string, readonly string[]>;
  readonly flags: ReadonlySet<string>;
}

export interface ArgsSpec {
  /** Options taking a value. @default none */
  readonly options?: readonly string[];
  /** Boolean options. @default none */
  readonly flags?: readonly string[];
}

/** Whether the command line asks for help (`--help` or `-h` anywhere before a `--`). */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

export function parseArgs(args: readonly string[], spec: ArgsSpec): ParsedArgs {
  const known = [...(spec.options ?? []), ...(spec.flags ?? [])].map((o) => `--${o}`);
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({
      args: [...args],
      options: {
        ...Object.fromEntries((spec.options ?? []).map((name) => [name, { type: 'string' as const, multiple: true }])),
        ...Object.fromEntries((spec.flags ?? []).map((name) => [name, { type: 'boolean' as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw usageErrorOf(error, known);
  }
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === true) flags.add(name);
    else if (Array.isArray(value)) {
      if (value.some((item) => item === '')) throw new UsageError(`--${name} needs a value`);
      options.set(name, value as string[]);
    }
  }
  return { options, flags };
}

/** util.parseArgs' errors, in this CLI's words (the option, what is wrong, the options there are). */
function usageErrorOf(error: unknown, known: readonly string[]): Error {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  const options = known.length > 0 ? `; options: ${known.join(', ')}` : '';
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option "${option ?? message}"${options}`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument "${/'([^']*)'/.exec(message)?.[1] ?? message}"${options}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(message.includes('does not take an argument') ? `${option ?? 'that option'} takes no value` : `${option ?? 'an option'} needs a value`);
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/** The last value of an option given at most once. */
export function single(parsed: ParsedArgs, name: string): string | undefined {
  const values = parsed.options.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} is given ${values.length} times; give it once`);
  return values?.[0];
}
