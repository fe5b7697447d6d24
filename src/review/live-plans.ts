/**
 * `ovsb review --terraform-plan`: `terraform plan -json` of the head revision's configuration against the
 * live state of each stacks.yaml stack (the stacks a team deploys by hand, whose state exists somewhere),
 * through the project's terraform invoker. Runs only where providers can be installed and the backend's
 * credentials are in the environment (PG_CONN_STR, AWS_*, KUBE_*); a stack for which they are missing is
 * skipped with the reason, never failed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { BackendProps } from '../../stacks/props';
import { writeCliConfig } from '../terraform/cli-config';
import type { CommandContext } from '../terraform/commands';
import { defaultDataVolumePredicate } from '../terraform/data-volumes';
import { TerraformError } from '../terraform/errors';
import { TerraformInvoker } from '../terraform/invoker';
import type { TerraformLog } from '../terraform/log';
import type { TerraformRunnerSettings } from '../terraform/settings';
import type { StackConfig } from './diff';
import type { LivePlan } from './report';

export interface LivePlanTarget {
  readonly name: string;
  readonly backend?: BackendProps;
}

export interface LivePlanOptions {
  /** Head revision's synthesised stacks. */
  readonly stacks: ReadonlyMap<string, StackConfig>;
  /** The stacks.yaml entries of the head revision. */
  readonly targets: readonly LivePlanTarget[];
  /** Where `cdktf deploy` keeps local state: `<project>/<cdktf.json output>/stacks/<name>/`. */
  readonly cdktfOutdir: string;
  readonly terraformBin: string;
  /** OVSB_PROVIDER_MIRROR. @default none */
  readonly providerMirror?: string;
  /** OVSB_PROVIDER_MIRROR_ONLY: install providers from `providerMirror` only, never a registry. @default false */
  readonly mirrorOnly?: boolean;
  /** Credentials for providers and backends (passed to terraform; never printed). */
  readonly env: Readonly<Record<string, string>>;
  readonly log: TerraformLog;
  /** Per terraform command. @default 600000 */
  readonly timeoutMs?: number;
}

const LOCK_TIMEOUT_SEC = 60;

/** The terraform options `ovsb review` shares with `ovsb serve` (OVSB_TERRAFORM_BIN, OVSB_PROVIDER_MIRROR[_ONLY]). */
export function livePlanTerraform(settings: TerraformRunnerSettings): Pick<LivePlanOptions, 'terraformBin' | 'providerMirror' | 'mirrorOnly'> {
  return {
    terraformBin: settings.terraformBin ?? 'terraform',
    ...(settings.providerMirror !== undefined ? { providerMirror: settings.providerMirror } : {}),
    ...(settings.providerMirrorOnly ? { mirrorOnly: true } : {}),
  };
}

export async function planLiveStacks(options: LivePlanOptions): Promise<LivePlan[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'ovsb-review-plan-'));
  try {
    const cliConfigFile = join(scratch, 'terraform.rc');
    const pluginCacheDir = join(scratch, 'plugin-cache');
    await mkdir(pluginCacheDir, { mode: 0o700 });
    await writeCliConfig(cliConfigFile, {
      pluginCacheDir,
      ...(options.providerMirror ? { providerMirror: options.providerMirror } : {}),
      ...(options.mirrorOnly ? { mirrorOnly: true } : {}),
    });
    const invoker = new TerraformInvoker({
      bin: options.terraformBin,
      killGraceMs: 30_000,
      log: options.log,
      ...(options.providerMirror ? { providerMirror: options.providerMirror } : {}),
    });
    const plans: LivePlan[] = [];
    // One at a time: inits share the plugin cache, which is not safe for concurrent installs.
    for (const target of options.targets) {
      plans.push(await planOne(target, options, invoker, { scratch, cliConfigFile, pluginCacheDir }));
    }
    return plans;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function planOne(
  target: LivePlanTarget,
  options: LivePlanOptions,
  invoker: TerraformInvoker,
  shared: { scratch: string; cliConfigFile: string; pluginCacheDir: string },
): Promise<LivePlan> {
  const config = options.stacks.get(target.name);
  if (!config) return { stack: target.name, status: 'skipped', reason: 'the head revision does not synthesise this stack' };
  const backend = target.backend ?? { kind: 'local' };
  if (backend.kind === 'pg' && !options.env['PG_CONN_STR']) {
    return { stack: target.name, status: 'skipped', reason: 'PG_CONN_STR is not set: the pg backend needs its connection string to read the state' };
  }
  let note: string | undefined;
  let workspaceConfig: StackConfig = config;
  if (backend.kind === 'local') {
    // cdktf runs terraform in the stack's output directory, so a relative state path is relative to it.
    const statePath = resolveLocalState(options.cdktfOutdir, target.name, backend.path);
    if (!existsSync(statePath)) note = `no state at ${statePath}: the stack is not deployed from this checkout, so the plan creates everything`;
    workspaceConfig = withLocalStatePath(config, statePath);
  }
  const cwd = join(shared.scratch, 'stacks', target.name);
  await mkdir(cwd, { recursive: true, mode: 0o700 });
  await writeFile(join(cwd, 'cdk.tf.json'), JSON.stringify(workspaceConfig, null, 2), { mode: 0o600 });
  const ws: CommandContext = { cwd, cliConfigFile: shared.cliConfigFile, pluginCacheDir: shared.pluginCacheDir, env: options.env };
  const timeoutMs = options.timeoutMs ?? 600_000;
  try {
    await invoker.init(ws, { lockTimeoutSec: LOCK_TIMEOUT_SEC, timeoutMs, operation: `terraform plan of ${target.name}` });
  } catch (error) {
    if (error instanceof TerraformError && error.failure.kind === 'provider-install') {
      return { stack: target.name, status: 'skipped', reason: `providers cannot be installed here: ${error.message}` };
    }
    return { stack: target.name, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  try {
    const operation = `terraform plan of ${target.name}`;
    const planFile = join(cwd, 'review.tfplan');
    // A saved plan can hold secret values: it exists 0600 before terraform writes it (and keeps the mode).
    await writeFile(planFile, '', { mode: 0o600 });
    const plan = await invoker.plan(ws, { lockTimeoutSec: LOCK_TIMEOUT_SEC, timeoutMs, operation, planFile });
    // The data-volume rules need before/after values, which only the saved plan has (scratch dir, removed after).
    const dataVolume = new Map((await invoker.showPlan(ws, planFile, { timeoutMs, operation })).map((change) => [change.resource.address, defaultDataVolumePredicate(change)]));
    const counts = plan.summary ?? { add: 0, change: 0, remove: 0 };
    return {
      stack: target.name,
      status: 'planned',
      counts: { add: counts.add, change: counts.change, remove: counts.remove },
      changes: plan.changes.map((change) => ({
        address: change.resource.address,
        action: change.action,
        dataVolume: dataVolume.get(change.resource.address) ?? defaultDataVolumePredicate({ resource: change.resource, action: change.action }),
      })),
      ...(note ? { note } : {}),
    };
  } catch (error) {
    return { stack: target.name, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
}

export function resolveLocalState(cdktfOutdir: string, stack: string, path: string | undefined): string {
  const statePath = path ?? 'terraform.tfstate';
  return isAbsolute(statePath) ? statePath : resolve(cdktfOutdir, 'stacks', stack, statePath);
}

/** The configuration with its local backend pointed at the live state file. */
function withLocalStatePath(config: StackConfig, statePath: string): StackConfig {
  const terraform = (config['terraform'] ?? {}) as Readonly<Record<string, unknown>>;
  return { ...config, terraform: { ...terraform, backend: { local: { path: statePath } } } };
}
