/**
 * The terraform runner the broker's operations call: per-instance workspaces, real terraform runs,
 * progress, time limits, concurrency limits, crash recovery. It knows nothing of storage or OSB: progress
 * goes to a callback and results are returned; the broker-side glue persists them.
 *
 * Guarantees:
 * - never two runs on one instance at once (in this process; across broker replicas the storage layer's
 *   locks and terraform's state lock take over), and at most `maxConcurrent` runs overall, FIFO beyond;
 * - a `terraform init` that may install providers into the shared plugin cache (not safe for concurrent
 *   installs) or create the pg backend's shared sequence runs alone; once this process has installed
 *   every provider a configuration needs (and, for pg, initialised the backend once), inits of
 *   different instances run in parallel;
 * - every operation has one deadline for all its steps, queueing included; terraform is interrupted
 *   (SIGINT) early enough that the SIGKILL after `interruptGraceMs` still falls inside it, and the
 *   operation fails saying so;
 * - an update is one locked run: plan saved to a file, checked for data-volume loss, and exactly that
 *   plan applied (or nothing, with the previous configuration kept);
 * - destroy is idempotent: a missing, never-initialised or half-created workspace deprovisions cleanly;
 * - a terraform process left running in a workspace by a crashed broker is interrupted before the next
 *   run there, and a lock that outlives its holder (s3) is force-unlocked when the broker's operation
 *   leases show its holder is gone (state-lock.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import type { BackendProps } from '../../stacks/props';
import { ExternalError } from '../errors';
import {
  backendEnv,
  backendPropsFor,
  checkBackendBlock,
  dropRemoteState,
  pgSchemaName,
  remoteStateStatus,
  type StateBackend,
} from './backends';
import { writeCliConfig } from './cli-config';
import type { CommandContext } from './commands';
import { DeadlinePassed, KeyedMutex, Semaphore, type Release, untilDeadline } from '../concurrency';
import { defaultDataVolumePredicate, type DataVolumePredicate } from './data-volumes';
import { TerraformError } from './errors';
import type { ChangeCounts, TerraformEvent } from './events';
import { TerraformInvoker, type InvocationOptions, type LockingInvocation, type PlannedChange } from './invoker';
import type { TerraformLog } from './log';
import { interruptProcesses, terraformProcessesIn } from './orphans';
import type { TerraformOutputs } from './parse';
import { ChangeProgress, type ProgressListener, type RunProgress } from './progress';
import { isStaleLock } from './state-lock';
import { Workspaces, type Workspace } from './workspace';

export interface TerraformRunnerConfig {
  /** Binary name or path (`OVSB_TERRAFORM_BIN`). @default `terraform`, found on PATH */
  readonly terraformBin?: string;
  /** The broker's data directory; the runner uses `<dataDir>/terraform` and `<dataDir>/workspaces`. */
  readonly dataDir: string;
  /** @default `{ kind: 'local' }` */
  readonly backend?: StateBackend;
  /** Filesystem provider mirror (`OVSB_PROVIDER_MIRROR`). @default none */
  readonly providerMirror?: string;
  /** Providers from the mirror only, never from a registry (`OVSB_PROVIDER_MIRROR_ONLY`). @default false */
  readonly providerMirrorOnly?: boolean;
  /** Terraform runs at once across instances (`OVSB_MAX_CONCURRENT_APPLIES`). @default 4 */
  readonly maxConcurrent?: number;
  /** Time limit of an operation whose caller gives none. @default 3600000 (1 h) */
  readonly defaultTimeoutMs?: number;
  /** How long terraform waits for a state lock (`-lock-timeout`). @default 60000 */
  readonly lockTimeoutMs?: number;
  /** Grace between SIGINT and SIGKILL when terraform is interrupted. @default 30000 */
  readonly interruptGraceMs?: number;
  /** Environment the providers need: `KUBECONFIG`, `KUBE_*`, `AWS_*`, proxies. Values are secrets. @default none */
  readonly providerEnv?: Readonly<Record<string, string>>;
  /** Which planned deletions/replacements lose chain data. @default {@link defaultDataVolumePredicate} */
  readonly dataVolumePredicate?: DataVolumePredicate;
  readonly log: TerraformLog;
}

/** What the broker's operation leases say, for judging whether a state lock is stale (state-lock.ts). */
export interface LeaseFacts {
  /** Whether this replica (still) holds the operation lease of the instance. */
  holdsInstanceLease(): Promise<boolean>;
  /** Hosts of the other replicas holding live leases; `undefined` for an owner that names no host. */
  otherLiveLeaseHosts(): Promise<readonly (string | undefined)[]>;
}

export interface RunOptions {
  /** Progress lines for last_operation ("applying 7/12: kubernetes_stateful_set_v1.execution"). @default none */
  readonly onProgress?: ProgressListener;
  /** Cancels the operation: a queued one never starts, a running terraform is interrupted. @default none */
  readonly signal?: AbortSignal;
  /**
   * When the operation's time is up (epoch ms), queueing and the SIGINT-to-SIGKILL grace included: the
   * end of the plan's `maximum_polling_duration`. One deadline for every step. Wins over `timeoutMs`.
   * @default `timeoutMs` from now
   */
  readonly deadline?: number;
  /** The operation's time limit from now, when no `deadline` is given. @default `defaultTimeoutMs` */
  readonly timeoutMs?: number;
  /** The operation lease behind this run; without it a state lock is never judged stale. @default none */
  readonly leases?: LeaseFacts;
}

export interface UpdateOptions extends RunOptions {
  /** Apply even when the plan deletes or replaces data volumes (the caller opted in). @default false */
  readonly allowDataVolumeReplacement?: boolean;
}

export interface DestroyOptions extends RunOptions {
  /**
   * Configuration to destroy with when the workspace keeps none (the workspace was lost, or with a
   * shared pg/s3 backend another broker replica provisioned the instance).
   * @default none: the workspace's kept configuration is used
   */
  readonly config?: object;
  /**
   * The instance was applied successfully before, so its state must be found: with the local backend a
   * missing workspace or state file (a lost data dir, or a replica that never had it) is then an error,
   * never "nothing to destroy" (the resources would live on, reported destroyed).
   * @default false
   */
  readonly expectState?: boolean;
}

export interface ApplyResult {
  /** Every output with its value; sensitive ones must stay out of logs and descriptions. */
  readonly outputs: TerraformOutputs;
  readonly summary?: ChangeCounts;
}

export interface DestroyResult {
  /** Resource instances terraform destroyed; 0 when there was nothing to destroy. */
  readonly destroyed: number;
}

export type UpdateResult =
  /** The saved plan was applied. `dataVolumeChanges` lists the data-volume losses the caller allowed. */
  | (ApplyResult & { readonly kind: 'applied'; readonly dataVolumeChanges: readonly PlannedChange[] })
  /** The plan would lose data volumes and the caller did not opt in: nothing was applied. */
  | { readonly kind: 'refused'; readonly changes: readonly PlannedChange[] };

/** The saved plan of an update, in the workspace (0600, removed after the run: it holds secrets). */
export const UPDATE_PLAN_FILE = 'update.tfplan';

interface Run {
  readonly ws: Workspace;
  readonly operation: string;
  readonly context: CommandContext;
  readonly signal?: AbortSignal;
  readonly leases?: LeaseFacts;
  /**
   * Options for the next command: interrupted (SIGINT) when the time left until the operation's
   * deadline, minus the kill grace, has passed, so that the SIGKILL still falls inside the deadline.
   */
  invocation(): InvocationOptions;
  locking(): LockingInvocation;
  progress(progress: RunProgress | string): void;
  /** Waits for a semaphore within the operation's deadline and signal. */
  wait(semaphore: Semaphore, waitingMessage: string): Promise<Release>;
}

/** Source addresses of the providers a synthesised configuration requires (`terraform.required_providers`). */
function requiredProviders(config: object): string[] {
  const terraform = (config as { terraform?: { required_providers?: Record<string, { source?: unknown } | string> } }).terraform;
  return Object.entries(terraform?.required_providers ?? {}).map(([name, requirement]) =>
    typeof requirement === 'object' && typeof requirement.source === 'string' ? requirement.source : name,
  );
}

const DEFAULTS = {
  terraformBin: 'terraform',
  maxConcurrent: 4,
  defaultTimeoutMs: 60 * 60_000,
  lockTimeoutMs: 60_000,
  interruptGraceMs: 30_000,
} as const;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`TerraformRunnerConfig.${name} must be a positive integer, got ${value}`);
  return value;
}

export class TerraformRunner {
  readonly #bin: string;
  readonly #backend: StateBackend;
  readonly #providerMirror: string | undefined;
  readonly #providerMirrorOnly: boolean;
  readonly #providerEnv: Readonly<Record<string, string>>;
  readonly #defaultTimeoutMs: number;
  readonly #lockTimeoutSec: number;
  readonly #interruptGraceMs: number;
  readonly #isDataVolume: DataVolumePredicate;
  readonly #log: TerraformLog;
  readonly #workspaces: Workspaces;
  readonly #invoker: TerraformInvoker;
  readonly #terraformDir: string;
  readonly #cliConfigFile: string;
  readonly #pluginCacheDir: string;
  readonly #homeDir: string;
  readonly #instances = new KeyedMutex();
  readonly #pool: Semaphore;
  readonly #initLock = new Semaphore(1);
  /** Provider source addresses a successful init of this process installed into the plugin cache. */
  readonly #installedProviders = new Set<string>();
  /** A successful init against the backend ran (pg: its shared sequence exists). */
  #backendInitialised = false;
  #directories: Promise<void> | undefined;

  constructor(config: TerraformRunnerConfig) {
    this.#bin = config.terraformBin ?? DEFAULTS.terraformBin;
    this.#backend = config.backend ?? { kind: 'local' };
    this.#providerMirror = config.providerMirror;
    this.#providerMirrorOnly = config.providerMirrorOnly ?? false;
    this.#providerEnv = config.providerEnv ?? {};
    this.#defaultTimeoutMs = positiveInteger('defaultTimeoutMs', config.defaultTimeoutMs ?? DEFAULTS.defaultTimeoutMs);
    this.#lockTimeoutSec = Math.ceil((config.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs) / 1000);
    this.#interruptGraceMs = config.interruptGraceMs ?? DEFAULTS.interruptGraceMs;
    this.#isDataVolume = config.dataVolumePredicate ?? defaultDataVolumePredicate;
    this.#log = config.log;
    this.#pool = new Semaphore(positiveInteger('maxConcurrent', config.maxConcurrent ?? DEFAULTS.maxConcurrent));
    this.#workspaces = new Workspaces(config.dataDir);
    this.#terraformDir = join(config.dataDir, 'terraform');
    this.#cliConfigFile = join(this.#terraformDir, 'cli.tfrc');
    this.#pluginCacheDir = join(this.#terraformDir, 'plugin-cache');
    this.#homeDir = join(this.#terraformDir, 'home');
    this.#invoker = new TerraformInvoker({
      bin: this.#bin,
      killGraceMs: this.#interruptGraceMs,
      log: config.log,
      ...(config.providerMirror !== undefined ? { providerMirror: config.providerMirror } : {}),
    });
  }

  /** The backend block to synthesise into this instance's stack (`NodeStackProps.backend`). */
  backendProps(instanceKey: string): BackendProps {
    return backendPropsFor(this.#backend, this.#workspaces.for(instanceKey));
  }

  /**
   * Whether terraform can use the state backend: for pg, a one-off `terraform init` of an empty
   * configuration against a throwaway schema (dropped after), so a backend terraform cannot reach (its
   * driver requires TLS unless `sslmode=disable`) is found at start, not at every provision's init.
   * Rejects with an ExternalError naming the cause and the fix. local: nothing to check; s3: not checked.
   */
  async checkBackend(timeoutMs = 60_000): Promise<void> {
    if (this.#backend.kind !== 'pg') return;
    await this.#ensureDirectories();
    const ws = this.#workspaces.for(`backend-check-${randomBytes(8).toString('hex')}`);
    const config = { terraform: { backend: { pg: { schema_name: pgSchemaName(ws) } } } };
    const context: CommandContext = {
      cwd: ws.dir,
      cliConfigFile: this.#cliConfigFile,
      pluginCacheDir: this.#pluginCacheDir,
      homeDir: this.#homeDir,
      env: { ...this.#providerEnv, ...backendEnv(this.#backend) },
    };
    try {
      await this.#workspaces.writeConfig(ws, config);
      await this.#writeCliConfig();
      await this.#invoker.init(context, { timeoutMs, killGraceMs: 1_000, limitMs: timeoutMs, operation: 'terraform init (backend check)', lockTimeoutSec: this.#lockTimeoutSec });
    } catch (error) {
      const text = error instanceof Error ? `${error.message} ${(error as Partial<ExternalError>).details?.diagnostics?.join(' ') ?? ''}` : String(error);
      const hint = /SSL is not enabled|ssl/i.test(text)
        ? ' The server does not offer TLS and terraform\'s pg driver requires it: add ?sslmode=disable to OVSB_TF_PG_CONN_STR (only on a trusted network) or enable TLS on the server.'
        : ' Check OVSB_TF_PG_CONN_STR (or OVSB_DATABASE_URL) and that the server accepts terraform\'s connection.';
      throw new ExternalError(`the terraform pg state backend is not usable: ${(error as Error).message}.${hint}`, { source: 'terraform init (pg backend check)' }, { cause: error });
    } finally {
      await dropRemoteState(this.#backend, ws).catch(() => undefined);
      await this.#workspaces.remove(ws).catch(() => undefined);
    }
  }

  /**
   * Removes workspace directories this replica no longer needs, skipping any a run of this process holds
   * or a terraform process works in:
   * - pg / s3 backend: every other one (the state lives in the backend; a workspace is only a cache of
   *   configuration and providers, written again by the next run on whichever replica gets it);
   * - local backend: those of instances not in `liveInstanceKeys` whose state holds no resources (a
   *   workspace with resources is the only record of them: kept, and reported).
   */
  async collectWorkspaces(liveInstanceKeys: readonly string[]): Promise<{ readonly removed: readonly string[]; readonly keptWithResources: readonly string[] }> {
    const live = new Set(liveInstanceKeys.map((key) => this.#workspaces.for(key).id));
    const removed: string[] = [];
    const keptWithResources: string[] = [];
    for (const id of await this.#workspaces.list()) {
      if (this.#backend.kind === 'local' && live.has(id)) continue;
      if (this.#instances.isLocked(id)) continue;
      const release = await this.#instances.acquire(id);
      try {
        const ws = this.#workspaces.byId(id);
        if ((await terraformProcessesIn(ws.dir, this.#bin)).length > 0) continue;
        if (this.#backend.kind === 'local') {
          const state = await this.#workspaces.localState(ws);
          if (state.kind === 'resources' || state.kind === 'unreadable') {
            keptWithResources.push(id);
            continue;
          }
        }
        await this.#workspaces.remove(ws);
        removed.push(id);
      } finally {
        release();
      }
    }
    return { removed, keptWithResources };
  }

  /** Provision (or its re-run after an interruption): write the configuration, init, apply, read the outputs. */
  apply(instanceKey: string, config: object, options: RunOptions = {}): Promise<ApplyResult> {
    return this.#withInstance(instanceKey, 'terraform apply', options, true, async (run) => {
      checkBackendBlock(config, this.#backend, run.ws);
      await this.#workspaces.writeConfig(run.ws, config);
      await this.#init(run, config);
      const result = await this.#locking(run, () =>
        this.#invoker.apply(run.context, { ...run.locking(), onEvent: this.#progressFor(run, new ChangeProgress('applying')) }),
      );
      run.progress('reading outputs');
      const outputs = await this.#invoker.output(run.context, run.invocation());
      return { outputs, ...(result.summary ? { summary: result.summary } : {}) };
    });
  }

  /** Deprovision. Succeeds when there is nothing (left) to destroy; removes the workspace and backend state after. */
  destroy(instanceKey: string, options: DestroyOptions = {}): Promise<DestroyResult> {
    return this.#withInstance(instanceKey, 'terraform destroy', options, true, async (run) => {
      const kept = (await this.#workspaces.exists(run.ws)) ? await this.#workspaces.readConfig(run.ws) : undefined;
      const config = kept ?? options.config;
      const state = await this.#stateStatus(run.ws, config);
      if (state === 'unseen' && options.expectState === true) {
        throw new ExternalError(
          `terraform destroy: the terraform state of workspace ${run.ws.id} is not on this broker (local backend: no state file in ${run.ws.dir}), ` +
            'although the instance was applied; nothing was destroyed. Restore the data dir (or run the broker that holds it) and deprovision again; ' +
            'several replicas need a shared backend (OVSB_TF_BACKEND=pg or s3)',
          { source: 'terraform destroy' },
        );
      }
      if (state === 'nothing' || state === 'unseen') {
        run.progress('nothing to destroy');
        await this.#cleanUp(run.ws);
        return { destroyed: 0 };
      }
      if (config === undefined) {
        throw new ExternalError(
          `terraform destroy: workspace ${run.ws.id} holds state but no configuration to destroy it with; pass the instance's synthesised configuration as DestroyOptions.config`,
          { source: 'terraform destroy' },
        );
      }
      checkBackendBlock(config, this.#backend, run.ws);
      if (kept === undefined) await this.#workspaces.writeConfig(run.ws, config);
      await this.#init(run, config);
      const result = await this.#locking(run, () =>
        this.#invoker.destroy(run.context, { ...run.locking(), onEvent: this.#progressFor(run, new ChangeProgress('destroying')) }),
      );
      await this.#cleanUp(run.ws);
      return { destroyed: result.summary?.remove ?? 0 };
    });
  }

  /** The instance's current outputs (values included). Does not take a worker slot: it is a read. */
  outputs(instanceKey: string, options: RunOptions = {}): Promise<TerraformOutputs> {
    return this.#withInstance(instanceKey, 'terraform output', options, false, async (run) => {
      if ((await this.#workspaces.readConfig(run.ws).catch(() => undefined)) === undefined) {
        throw new ExternalError(`terraform output: instance workspace ${run.ws.id} does not exist or has no configuration; provision the instance first`, {
          source: 'terraform output',
        });
      }
      if (!(await this.#workspaces.isInitialised(run.ws))) await this.#init(run, undefined);
      return this.#invoker.output(run.context, run.invocation());
    });
  }

  /**
   * Update, as one run under the instance's lock: write the new configuration, init, plan into a saved
   * plan file, inspect that plan for deleted or replaced data volumes, and apply exactly that plan, or,
   * when it would lose a data volume and the caller did not opt in, apply nothing and restore the
   * previous configuration. The plan reads the state from the backend, so it holds for pg/s3 even when
   * this host never had the workspace.
   */
  update(instanceKey: string, config: object, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.#withInstance(instanceKey, 'terraform apply', options, true, async (run) => {
      checkBackendBlock(config, this.#backend, run.ws);
      const previous = (await this.#workspaces.exists(run.ws)) ? await this.#workspaces.readConfig(run.ws) : undefined;
      const restore = () => (previous !== undefined ? this.#workspaces.writeConfig(run.ws, previous) : this.#workspaces.removeConfig(run.ws));
      await this.#workspaces.writeConfig(run.ws, config);
      const planFile = join(run.ws.dir, UPDATE_PLAN_FILE);
      try {
        const tracker = new ChangeProgress('applying');
        let changes: readonly PlannedChange[];
        try {
          await this.#init(run, config);
          run.progress('planning the update');
          // The plan holds configuration values, secrets included: the file is private before terraform
          // writes a byte (terraform truncates an existing file and keeps its mode).
          await rm(planFile, { force: true });
          await writeFile(planFile, '', { mode: 0o600, flag: 'wx' });
          await this.#locking(run, () => this.#invoker.plan(run.context, { ...run.locking(), planFile, onEvent: this.#progressFor(run, tracker) }));
          const planned = await this.#invoker.showPlan(run.context, planFile, run.invocation());
          // Only addresses and actions leave this function: before/after hold secrets.
          changes = planned
            .filter((change) => this.#isDataVolume(change))
            .map(({ resource, action, reason }) => ({ resource, action, ...(reason !== undefined ? { reason } : {}) }));
        } catch (error) {
          // Nothing was applied: the workspace keeps the configuration its state was made from.
          await restore();
          throw error;
        }
        if (changes.length > 0 && options.allowDataVolumeReplacement !== true) {
          await restore();
          run.progress('refused: the plan would delete or replace data volumes');
          return { kind: 'refused', changes };
        }
        const result = await this.#locking(run, () => this.#invoker.applyPlan(run.context, planFile, { ...run.locking(), onEvent: this.#progressFor(run, tracker) }));
        run.progress('reading outputs');
        const outputs = await this.#invoker.output(run.context, run.invocation());
        return { kind: 'applied', outputs, ...(result.summary ? { summary: result.summary } : {}), dataVolumeChanges: changes };
      } finally {
        await rm(planFile, { force: true });
      }
    });
  }

  async #withInstance<T>(instanceKey: string, operation: string, options: RunOptions, usesPool: boolean, work: (run: Run) => Promise<T>): Promise<T> {
    const started = Date.now();
    const deadline = options.deadline ?? started + (options.timeoutMs ?? this.#defaultTimeoutMs);
    const limitMs = deadline - started;
    const limitSeconds = Math.max(0, Math.round(limitMs / 1000));
    const ws = this.#workspaces.for(instanceKey);
    const { signal, onProgress } = options;

    const notStarted = (): TerraformError => {
      if (signal?.aborted) return new TerraformError(`${operation} was cancelled before terraform started`, { kind: 'aborted' }, { source: operation });
      const why = limitMs <= 0 ? 'its deadline had passed before it began' : 'it waited for other terraform runs and never started';
      return new TerraformError(`${operation} did not finish within ${limitSeconds} s: ${why}`, { kind: 'timeout', limitSeconds }, { source: operation });
    };
    const remainingMs = (): number => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new TerraformError(
          `${operation} did not finish within ${limitSeconds} s: the time ran out between terraform steps, while no terraform was running`,
          { kind: 'timeout', limitSeconds },
          { source: operation },
        );
      }
      return remaining;
    };
    /** The kill grace fits inside the deadline: at most half of the time left goes to it. */
    const graceFor = (remaining: number): number => Math.min(this.#interruptGraceMs, Math.floor(remaining / 2));
    const progress = (update: RunProgress | string) =>
      onProgress?.(typeof update === 'string' ? { message: update, completed: 0, total: 0 } : update);
    const wait = async (semaphore: Semaphore, waitingMessage: string): Promise<Release> => {
      if (semaphore.active >= semaphore.capacity) progress(waitingMessage);
      if (deadline <= Date.now()) throw notStarted();
      try {
        return await untilDeadline(deadline, signal, (waitSignal) => semaphore.acquire(waitSignal));
      } catch (error) {
        if (signal?.aborted || error instanceof DeadlinePassed) throw notStarted();
        throw error;
      }
    };

    const invocation = (): InvocationOptions => {
      const remaining = remainingMs();
      const killGraceMs = graceFor(remaining);
      return { timeoutMs: remaining - killGraceMs, killGraceMs, limitMs, operation, ...(signal ? { signal } : {}) };
    };
    const run: Run = {
      ws,
      operation,
      context: {
        cwd: ws.dir,
        cliConfigFile: this.#cliConfigFile,
        pluginCacheDir: this.#pluginCacheDir,
        homeDir: this.#homeDir,
        env: { ...this.#providerEnv, ...backendEnv(this.#backend) },
      },
      ...(signal ? { signal } : {}),
      ...(options.leases ? { leases: options.leases } : {}),
      invocation,
      locking: () => ({ ...invocation(), lockTimeoutSec: this.#lockTimeoutSec }),
      progress,
      wait,
    };

    const releases: Release[] = [];
    const releaseAll = () => {
      for (const release of releases.reverse()) release();
      releases.length = 0;
    };
    try {
      if (this.#instances.isLocked(ws.id)) progress('waiting for the previous terraform run on this instance to finish');
      if (deadline <= Date.now()) throw notStarted();
      try {
        releases.push(await untilDeadline(deadline, signal, (waitSignal) => this.#instances.acquire(ws.id, waitSignal)));
      } catch (error) {
        if (signal?.aborted || error instanceof DeadlinePassed) throw notStarted();
        throw error;
      }
      if (usesPool) releases.push(await wait(this.#pool, `waiting for a free terraform slot (${this.#pool.capacity} runs in progress)`));
      await this.#ensureDirectories();
      await this.#recoverOrphans(ws, graceFor(remainingMs()));
      try {
        return await work(run);
      } finally {
        await this.#workspaces.tightenPermissions(ws).catch((error: unknown) =>
          this.#log.warn({ workspace: ws.id, error: String(error) }, 'could not tighten workspace file permissions'),
        );
      }
    } finally {
      releaseAll();
    }
  }

  /** The runner's directories, 0700 also when they existed before (mkdir's mode applies to new ones only). */
  #ensureDirectories(): Promise<void> {
    this.#directories ??= (async () => {
      for (const dir of [this.#terraformDir, this.#pluginCacheDir, this.#homeDir]) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await chmod(dir, 0o700);
      }
    })().catch((error: unknown) => {
      this.#directories = undefined;
      throw error;
    });
    return this.#directories;
  }

  /**
   * terraform init with a freshly written CLI config: alone while it may install providers or set up the
   * backend for the first time, in parallel with other instances' once neither can happen.
   */
  async #init(run: Run, config: object | undefined): Promise<void> {
    const providers = config === undefined ? undefined : requiredProviders(config);
    const warm = providers !== undefined && this.#backendInitialised && providers.every((source) => this.#installedProviders.has(source));
    const release = warm ? undefined : await run.wait(this.#initLock, 'waiting for another instance\'s terraform init');
    try {
      run.progress('initialising terraform');
      if (!warm) await this.#writeCliConfig();
      await this.#invoker.init(run.context, run.locking());
      this.#backendInitialised = true;
      for (const source of providers ?? []) this.#installedProviders.add(source);
    } finally {
      release?.();
    }
  }

  #writeCliConfig(): Promise<void> {
    return writeCliConfig(this.#cliConfigFile, {
      pluginCacheDir: this.#pluginCacheDir,
      ...(this.#providerMirror !== undefined ? { providerMirror: this.#providerMirror } : {}),
      ...(this.#providerMirrorOnly ? { mirrorOnly: true } : {}),
    });
  }

  /** Interrupts terraform processes a previous broker process left running in this workspace. */
  async #recoverOrphans(ws: Workspace, graceMs: number): Promise<void> {
    const pids = await terraformProcessesIn(ws.dir, this.#bin);
    if (pids.length === 0) return;
    this.#log.warn({ workspace: ws.id, pids }, 'interrupting terraform left running in the workspace by a previous broker process');
    const survivors = await interruptProcesses(pids, graceMs);
    if (survivors.length > 0) {
      throw new ExternalError(`terraform processes ${survivors.join(', ')} in workspace ${ws.id} did not stop after SIGINT and SIGKILL`, {
        source: 'terraform',
      });
    }
  }

  /** Runs a locking command; once, force-unlocks a stale lock (see state-lock.ts) and retries. */
  async #locking<T>(run: Run, command: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await command();
    } catch (error) {
      if (!(error instanceof TerraformError) || error.failure.kind !== 'state-locked' || error.failure.lock === undefined) throw error;
      // Only backends whose locks outlive their holder get this far; the others fail as they are.
      if (this.#backend.kind !== 's3' || run.leases === undefined) throw error;
      const lock = error.failure.lock;
      const stale = isStaleLock({
        lock,
        lockOutlivesHolder: true,
        terraformRunningInWorkspace: (await terraformProcessesIn(run.ws.dir, this.#bin)).length > 0,
        holdsInstanceLease: await run.leases.holdsInstanceLease(),
        otherLiveLeaseHosts: await run.leases.otherLiveLeaseHosts(),
        user: userInfo().username,
        waitedMs: Date.now() - started,
        interruptGraceMs: this.#interruptGraceMs,
      });
      if (!stale) throw error;
      this.#log.warn(
        { workspace: run.ws.id, lockId: lock.id, holder: lock.who, since: lock.created },
        'force-unlocking a stale state lock: this replica holds the operation lease and no live replica runs on the lock holder\'s host',
      );
      await this.#invoker.forceUnlock(run.context, lock.id, run.invocation());
      return command();
    }
  }

  #progressFor(run: Run, tracker: ChangeProgress): (event: TerraformEvent) => void {
    return (event) => {
      const update = tracker.next(event);
      if (update) run.progress(update);
    };
  }

  /** Whether anything may exist to destroy, decided without terraform where the backend allows. */
  /** `unseen`: no local state at all (no workspace, or no state file): nothing here, but maybe elsewhere. */
  async #stateStatus(ws: Workspace, config: object | undefined): Promise<'nothing' | 'unseen' | 'resources' | 'unknown'> {
    switch (this.#backend.kind) {
      case 'local': {
        if (!(await this.#workspaces.exists(ws))) return 'unseen';
        const statePath = config ? checkBackendBlock(config, this.#backend, ws).localStatePath : undefined;
        const state = await this.#workspaces.localState(ws, statePath);
        if (state.kind === 'absent') return 'unseen';
        if (state.kind === 'empty') return 'nothing';
        return state.kind === 'resources' ? 'resources' : 'unknown';
      }
      case 'pg': {
        let status;
        try {
          status = await remoteStateStatus(this.#backend, ws);
        } catch (error) {
          throw new ExternalError(`could not read the terraform state of workspace ${ws.id} from PostgreSQL: ${(error as Error).message}`, { source: 'terraform state (pg)' }, { cause: error });
        }
        return status === 'empty' ? 'nothing' : status;
      }
      case 's3':
        return 'unknown';
    }
  }

  async #cleanUp(ws: Workspace): Promise<void> {
    try {
      await dropRemoteState(this.#backend, ws);
    } catch (error) {
      throw new ExternalError(`could not drop the terraform state schema of workspace ${ws.id}: ${(error as Error).message}`, { source: 'terraform state (pg)' }, { cause: error });
    }
    await this.#workspaces.remove(ws);
  }
}
