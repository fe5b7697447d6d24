/**
 * Terraform commands as values: what to run (`args`), with which environment (`env`) and where (`cwd`).
 * Built by pure functions so the exact flags are tested without spawning anything; only
 * src/terraform/executor.ts runs them.
 */
import { inspect } from 'node:util';

export interface TerraformCommand {
  /** Arguments after the binary, e.g. `['apply', '-auto-approve', ...]`. */
  readonly args: readonly string[];
  /** The complete environment terraform needs beyond PATH/HOME (the executor adds only those two). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** What every command of one workspace shares. */
export interface CommandContext {
  /** The workspace directory (terraform's working directory). */
  readonly cwd: string;
  /** The runner's own CLI config file (never the machine's `TF_CLI_CONFIG_FILE`). */
  readonly cliConfigFile: string;
  readonly pluginCacheDir: string;
  /**
   * HOME for terraform and its providers: the runner's own directory, so nothing under the operator's
   * home (`~/.terraform.d` plugins and credentials, `~/.aws`, `~/.kube`) leaks into a run.
   * @default the broker's HOME
   */
  readonly homeDir?: string;
  /**
   * Backend and provider credentials (`PG_CONN_STR`, `AWS_*`, `KUBECONFIG`, ...).
   * Values of keys outside {@link NON_SECRET_ENV_KEYS} are redacted whenever a command is printed.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LockingOptions {
  /** How long terraform waits for a state lock held by someone else, in seconds. */
  readonly lockTimeoutSec: number;
}

/** Environment keys whose values are safe to print; every other value is shown as `<redacted>`. */
export const NON_SECRET_ENV_KEYS: ReadonlySet<string> = new Set([
  'CHECKPOINT_DISABLE',
  'TF_IN_AUTOMATION',
  'TF_INPUT',
  'TF_CLI_CONFIG_FILE',
  'TF_PLUGIN_CACHE_DIR',
  'HOME',
]);

const REDACTED = '<redacted>';

/** A command's printable form: args in full, env values redacted unless known to be harmless. */
export function describeCommand(command: TerraformCommand, bin = 'terraform'): string {
  const env = Object.entries(command.env)
    .map(([key, value]) => `${key}=${NON_SECRET_ENV_KEYS.has(key) ? value : REDACTED}`)
    .join(' ');
  return `${[bin, ...command.args].join(' ')} (cwd ${command.cwd}; env ${env})`;
}

/** Like {@link describeCommand} but structured, for JSON logs. */
function redactedJson(command: TerraformCommand): Record<string, unknown> {
  return {
    args: [...command.args],
    cwd: command.cwd,
    env: Object.fromEntries(
      Object.entries(command.env).map(([key, value]) => [key, NON_SECRET_ENV_KEYS.has(key) ? value : REDACTED]),
    ),
  };
}

/**
 * The concrete command value. `toString`, `toJSON` and `util.inspect` all redact, so a command that
 * ends up in a log line or an error message by accident still does not leak `PG_CONN_STR`.
 */
class BuiltCommand implements TerraformCommand {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;

  constructor(args: readonly string[], env: Readonly<Record<string, string>>, cwd: string) {
    this.args = Object.freeze([...args]);
    this.env = Object.freeze({ ...env });
    this.cwd = cwd;
    Object.freeze(this);
  }

  toString(): string {
    return describeCommand(this);
  }

  toJSON(): Record<string, unknown> {
    return redactedJson(this);
  }

  [inspect.custom](): string {
    return `TerraformCommand(${describeCommand(this)})`;
  }
}

function command(ws: CommandContext, args: readonly string[]): TerraformCommand {
  return new BuiltCommand(
    args,
    {
      ...ws.env,
      // Ours last: a provider credential map cannot switch automation mode or the CLI config off.
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: ws.cliConfigFile,
      TF_PLUGIN_CACHE_DIR: ws.pluginCacheDir,
      ...(ws.homeDir !== undefined ? { HOME: ws.homeDir } : {}),
    },
    ws.cwd,
  );
}

function lockTimeout({ lockTimeoutSec }: LockingOptions): string {
  if (!Number.isInteger(lockTimeoutSec) || lockTimeoutSec < 0) {
    throw new RangeError(`lockTimeoutSec must be a non-negative integer, got ${lockTimeoutSec}`);
  }
  return `-lock-timeout=${lockTimeoutSec}s`;
}

/**
 * `terraform init`. Backend secrets come from the environment (`PG_CONN_STR`), never from
 * `-backend-config`: arguments are visible in `ps` and backend-config values are cached in
 * `.terraform/terraform.tfstate`, while environment values are neither.
 */
export function initCommand(ws: CommandContext, options: LockingOptions): TerraformCommand {
  return command(ws, ['init', '-input=false', '-no-color', lockTimeout(options)]);
}

export function validateCommand(ws: CommandContext): TerraformCommand {
  return command(ws, ['validate', '-json', '-no-color']);
}

export interface PlanOptions extends LockingOptions {
  /** Saves the plan (`-out`) so that exactly this plan is applied later. @default not saved */
  readonly planFile?: string;
}

export function planCommand(ws: CommandContext, options: PlanOptions): TerraformCommand {
  return command(ws, ['plan', '-input=false', '-json', lockTimeout(options), ...(options.planFile !== undefined ? [`-out=${planFileArg(options.planFile)}`] : [])]);
}

export function applyCommand(ws: CommandContext, options: LockingOptions): TerraformCommand {
  return command(ws, ['apply', '-auto-approve', '-input=false', '-json', lockTimeout(options)]);
}

/** Applies a saved plan: no new plan, no approval prompt; exactly what was planned, or a stale-plan error. */
export function applyPlanCommand(ws: CommandContext, options: LockingOptions, planFile: string): TerraformCommand {
  return command(ws, ['apply', '-input=false', '-json', lockTimeout(options), planFileArg(planFile)]);
}

export function destroyCommand(ws: CommandContext, options: LockingOptions): TerraformCommand {
  return command(ws, ['destroy', '-auto-approve', '-input=false', '-json', lockTimeout(options)]);
}

export function outputCommand(ws: CommandContext): TerraformCommand {
  return command(ws, ['output', '-json']);
}

export function showCommand(ws: CommandContext): TerraformCommand {
  return command(ws, ['show', '-json']);
}

/** `show -json <plan file>`: the plan with before/after values (sensitive ones included: never print its output). */
export function showPlanCommand(ws: CommandContext, planFile: string): TerraformCommand {
  return command(ws, ['show', '-json', planFileArg(planFile)]);
}

/** A plan file path is an argument of its own: it must not read as a flag. */
function planFileArg(planFile: string): string {
  if (planFile === '' || planFile.startsWith('-')) throw new RangeError(`plan file ${JSON.stringify(planFile)} must be a path, not a flag`);
  return planFile;
}

/** Lock ids are UUIDs for every built-in backend; anything else (or a flag) is refused. */
const LOCK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function forceUnlockCommand(ws: CommandContext, lockId: string): TerraformCommand {
  if (!LOCK_ID.test(lockId)) {
    throw new RangeError(`state lock id ${JSON.stringify(lockId)} is not a terraform lock id`);
  }
  return command(ws, ['force-unlock', '-force', lockId]);
}
