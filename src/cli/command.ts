/** The CLI's command contract: one file per command, listed in ./commands.ts. */

export interface CliOutput {
  write(text: string): unknown;
}

export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths given on the command line resolve against it. */
  readonly cwd: string;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
}

export interface Command {
  readonly name: string;
  /** One line for `ovsb help`. */
  readonly summary: string;
  /** Usage lines for `ovsb help <command>`. */
  readonly usage: string;
  /** Resolves to the process exit code. */
  run(args: readonly string[], context: CliContext): Promise<number>;
}

/** The command line is wrong: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
