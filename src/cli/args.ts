import { UsageError } from './command';

export interface ParsedArgs {
  /** Option name (without `--`) -> values, in order. */
  readonly options: ReadonlyMap<string, readonly string[]>;
  readonly flags: ReadonlySet<string>;
}

/**
 * `--name value`, `--name=value` and boolean `--flag`; nothing else. Unknown options are errors, so a
 * typo never silently does the default thing.
 */
export function parseArgs(
  args: readonly string[],
  spec: { readonly options?: readonly string[]; readonly flags?: readonly string[] },
): ParsedArgs {
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.flags?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.options?.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, [...(options.get(name) ?? []), value]);
    } else {
      const known = [...(spec.options ?? []), ...(spec.flags ?? [])].map((o) => `--${o}`);
      throw new UsageError(`unknown option "${arg}"${known.length ? `; options: ${known.join(', ')}` : ''}`);
    }
  }
  return { options, flags };
}

/** The last value of an option given at most once. */
export function single(parsed: ParsedArgs, name: string): string | undefined {
  const values = parsed.options.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} is given ${values.length} times; give it once`);
  return values?.[0];
}
