/**
 * Runs persisted operations: an in-process queue feeding at most `maxConcurrent` runs at once (the same
 * bound as the terraform runner's pool), each under a storage lease renewed while it runs.
 *
 * Crash safety: an operation is always persisted `in progress` before anyone hears 202. On start and
 * then periodically the worker asks storage for `in progress` operations nobody holds (never claimed,
 * released at shutdown, lease expired, or owned by a process on this host that is gone: e.g. a broker
 * killed mid-apply) and runs them again: apply and destroy are idempotent. Each claim counts an attempt
 * (a graceful shutdown gives its attempt back); past `maxAttempts` the operation is failed with a
 * description saying so, never left `in progress`.
 *
 * Leases: a run whose lease could not be renewed (lost database connection) is aborted once the lease
 * deadline passes (last successful renewal + the storage's lease length), so it never runs on while
 * another replica claims the operation; terraform's state lock covers the interrupt grace after that.
 *
 * Bind and unbind complete inside their request; the worker only finishes those a crash interrupted,
 * under the instance lock so it never races the request that began them.
 */
import { ExternalError, OsbError } from '../errors';
import { replicaHost } from '../operations/replica';
import type { InProgressOperation } from '../operations/types';
import type { Logger } from '../log';
import type { OperationOutcome, Storage } from '../storage/types';
import type { PlanView, ServiceCatalog } from './catalog';
import type { OperationScheduler } from './instances';
import type { LeaseFacts } from '../terraform/runner';
import { ALLOW_DATA_VOLUME_REPLACEMENT, DataVolumeReplacementRefused, type InstanceProvisioner, type OperationRun } from './provisioner';

export interface WorkerOptions {
  readonly storage: Storage;
  readonly catalog: ServiceCatalog;
  readonly provisioner: InstanceProvisioner;
  readonly logger: Logger;
  /** Runs at once in this process (`OVSB_MAX_CONCURRENT_APPLIES`). */
  readonly maxConcurrent: number;
  /** Claims of one operation (first run + resumptions) before it is failed. @default 5 */
  readonly maxAttempts?: number;
  /** How often to look for operations nobody runs. @default 10_000 */
  readonly scanIntervalMs?: number;
  /** Lease renewal period; well under the storage lease (30 s by default). @default 10_000 */
  readonly renewIntervalMs?: number;
  /** Limit for operations whose plan declares no maximum_polling_duration (or is gone). @default 2 hours */
  readonly defaultTimeoutMs?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_SCAN_MS = 10_000;
const DEFAULT_RENEW_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 2 * 60 * 60 * 1000;
/** last_operation descriptions stay readable; terraform diagnostics can be long. */
const MAX_DESCRIPTION = 1_000;

/** Why a run was interrupted without an outcome of its own. */
type StopReason = 'shutdown' | 'lease-lost';

interface RunEntry {
  readonly controller: AbortController;
  stopReason?: StopReason;
  done: Promise<void>;
}

export class OperationWorker implements OperationScheduler {
  readonly #options: Required<Omit<WorkerOptions, 'clock'>> & { clock: () => Date };
  readonly #pending: string[] = [];
  /** Ids queued or running: an id is never queued twice. */
  readonly #known = new Set<string>();
  readonly #running = new Map<string, RunEntry>();
  readonly #idleWaiters: Array<() => void> = [];
  #scanTimer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #stopped = false;

  constructor(options: WorkerOptions) {
    this.#options = {
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      scanIntervalMs: DEFAULT_SCAN_MS,
      renewIntervalMs: DEFAULT_RENEW_MS,
      defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
      clock: () => new Date(),
      ...options,
    };
  }

  /** Recovers what a previous process left `in progress`, then keeps scanning. */
  async start(): Promise<void> {
    await this.scan();
    this.#scanTimer = setInterval(() => void this.scan(), this.#options.scanIntervalMs);
    this.#scanTimer.unref();
  }

  /** One pass over operations nobody holds; failures are logged and retried on the next pass. */
  scan(): Promise<void> {
    this.#scanning ??= (async () => {
      try {
        const claimable = await this.#options.storage.listClaimableOperations();
        for (const operation of claimable) this.enqueue(operation.id);
      } catch (error) {
        this.#options.logger.error({ err: error }, 'could not list operations to recover; retrying on the next scan');
      } finally {
        this.#scanning = undefined;
      }
    })();
    return this.#scanning;
  }

  enqueue(operationId: string): void {
    if (this.#stopped || this.#known.has(operationId)) return;
    this.#known.add(operationId);
    this.#pending.push(operationId);
    this.#pump();
  }

  /** Resolves when nothing is queued or running (tests, graceful shutdown). */
  whenIdle(): Promise<void> {
    if (this.#known.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops scanning and interrupts running operations (terraform gets SIGINT and saves its state); their
   * leases are released so the next broker process resumes them at once.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#scanTimer !== undefined) clearInterval(this.#scanTimer);
    await this.#scanning;
    for (const operationId of this.#pending.splice(0)) this.#known.delete(operationId);
    if (this.#known.size === 0) this.#idleWaiters.splice(0).forEach((resolve) => resolve());
    for (const run of this.#running.values()) {
      run.stopReason ??= 'shutdown';
      run.controller.abort(new Error('the broker is shutting down'));
    }
    await Promise.all([...this.#running.values()].map((run) => run.done));
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#options.maxConcurrent && this.#pending.length > 0) {
      const operationId = this.#pending.shift() as string;
      const controller = new AbortController();
      const entry: RunEntry = { controller, done: Promise.resolve() };
      this.#running.set(operationId, entry);
      entry.done = this.#run(operationId, entry)
        .catch((error: unknown) => this.#options.logger.error({ err: error, operationId }, 'operation run crashed'))
        .finally(() => {
          this.#running.delete(operationId);
          this.#known.delete(operationId);
          this.#pump();
          if (this.#known.size === 0) this.#idleWaiters.splice(0).forEach((resolve) => resolve());
        });
    }
  }

  async #run(operationId: string, entry: RunEntry): Promise<void> {
    const { storage } = this.#options;
    const stopping = () => entry.controller.signal.aborted;
    const peek = await storage.getOperation(operationId);
    // A stop() that came meanwhile: claiming now would count an attempt for a run that never starts.
    if (peek === undefined || peek.state !== 'in progress' || stopping()) return;
    if (peek.kind === 'bind' || peek.kind === 'unbind') {
      await storage.withInstanceLock(peek.instanceId, () => (stopping() ? Promise.resolve() : this.#recoverBindingOperation(operationId)));
      return;
    }
    const claimedAt = Date.now();
    const operation = await storage.claimOperation(operationId);
    if (operation === undefined) return;
    if (stopping()) {
      await storage.yieldOperation(operationId);
      return;
    }
    const log = this.#options.logger.child({
      operationId,
      instanceId: operation.instanceId,
      kind: operation.kind,
      attempt: operation.attempts,
    });
    if (operation.attempts > this.#options.maxAttempts) {
      log.warn('giving up on an operation that keeps being interrupted');
      await this.#complete(operationId, gaveUp(operation, this.#options.maxAttempts), log);
      return;
    }

    const loseLease = (why: string) => {
      entry.stopReason ??= 'lease-lost';
      entry.controller.abort(new Error(why));
    };
    // The lease ends `operationLeaseMs` after the last renewal that was sent and succeeded (claim included).
    let leaseExpiry: NodeJS.Timeout | undefined;
    // Set once the run is over: a renewal answered after that must not re-arm the expiry timer.
    let finished = false;
    const leaseHeldUntil = (sentAt: number) => {
      if (finished) return;
      clearTimeout(leaseExpiry);
      leaseExpiry = setTimeout(() => {
        log.warn('the operation lease expired without a successful renewal; stopping the run so that another replica may take it');
        loseLease('the operation lease expired without a successful renewal');
      }, Math.max(0, sentAt + storage.operationLeaseMs - Date.now()));
      leaseExpiry.unref();
    };
    leaseHeldUntil(claimedAt);
    const renewal = setInterval(() => {
      const sentAt = Date.now();
      storage.renewOperationLease(operationId).then(
        (held) => {
          if (finished) return;
          if (held) leaseHeldUntil(sentAt);
          else loseLease('the operation lease was lost');
        },
        (error: unknown) => {
          if (!finished) log.warn({ err: error }, 'could not renew the operation lease; retrying until the lease ends');
        },
      );
    }, this.#options.renewIntervalMs);
    renewal.unref();
    const progress = new ProgressReporter(storage, operationId, log);
    try {
      if (operation.attempts > 1) {
        progress.report(`Resuming after an interruption (attempt ${operation.attempts} of ${this.#options.maxAttempts})`);
      }
      log.info('operation started');
      let outcome: OperationOutcome;
      try {
        outcome = await this.#execute(operation, entry.controller.signal, (text) => progress.report(text), log);
      } catch (error) {
        if (entry.stopReason !== undefined) {
          await progress.flushed();
          // Stopped on purpose: the lease is given up and the attempt not counted.
          if (entry.stopReason === 'shutdown') await storage.yieldOperation(operationId);
          log.info({ reason: entry.stopReason }, 'operation interrupted; it will be resumed');
          return;
        }
        outcome = failure(operation, error);
        if (!(error instanceof OsbError || error instanceof ExternalError || error instanceof DataVolumeReplacementRefused)) {
          log.error({ err: error }, 'operation failed with an unexpected error');
        }
      }
      await progress.flushed();
      await this.#complete(operationId, withNotes(outcome, policyNotes(operation.request)), log);
    } finally {
      finished = true;
      clearInterval(renewal);
      clearTimeout(leaseExpiry);
    }
  }

  async #complete(operationId: string, outcome: OperationOutcome, log: Logger): Promise<void> {
    const finished = await this.#options.storage.completeOperation(operationId, {
      ...outcome,
      description: clip(outcome.description),
    });
    log.info({ state: finished.state }, 'operation finished');
  }

  async #execute(operation: InProgressOperation, signal: AbortSignal, onProgress: (text: string) => void, log: Logger): Promise<OperationOutcome> {
    const { catalog, provisioner } = this.#options;
    const { request } = operation;
    const plan = catalog.findPlan(request.serviceId, request.planId);
    const remainingMs = this.#remainingMs(operation, plan);
    if (remainingMs <= 0) {
      return timedOut(operation, plan);
    }
    const run: OperationRun = {
      operationId: operation.id,
      instanceId: operation.instanceId,
      request,
      signal,
      // Absolute, on the runner's clock: every step of the run shares it.
      deadline: Date.now() + remainingMs,
      onProgress,
      leases: this.#leaseFacts(operation.id),
    };
    switch (operation.kind) {
      case 'provision': {
        const applied = await provisioner.provision({ ...run, plan: requirePlan(plan, request.serviceId, request.planId) });
        return { state: 'succeeded', description: 'Provisioned', instance: { outputs: applied.outputs } };
      }
      case 'update': {
        const { [ALLOW_DATA_VOLUME_REPLACEMENT]: allow, ...parameters } = request.parameters ?? {};
        const applied = await provisioner.update({
          ...run,
          request: { ...request, parameters },
          plan: requirePlan(plan, request.serviceId, request.planId),
          allowDataVolumeReplacement: allow === true,
        });
        const lost = applied.dataVolumeChanges;
        if (lost.length > 0) {
          log.warn({ dataVolumes: lost }, 'the update replaced or destroyed data volumes, as the request allowed');
        }
        const notes = lost.length === 0 ? [] : [`Data volumes replaced as allowed: ${lost.map((change) => change.address).join(', ')}`];
        return withNotes({ state: 'succeeded', description: 'Updated', instance: { outputs: applied.outputs, parameters } }, notes);
      }
      case 'deprovision':
        await provisioner.deprovision({ ...run, expectState: await this.#everApplied(operation.instanceId) });
        return { state: 'succeeded', description: 'Deprovisioned: all resources destroyed' };
      case 'bind':
      case 'unbind':
        throw new Error(`${operation.kind} operations are completed by their request, not by the worker`);
    }
  }

  /** Whether a provision or update of the instance's current incarnation succeeded: then its state must be found. */
  async #everApplied(instanceId: string): Promise<boolean> {
    const { storage } = this.#options;
    const instance = await storage.getInstance(instanceId);
    if (instance === undefined) return false;
    const applied = await storage.listOperations({ instanceId, kinds: ['provision', 'update'], states: ['succeeded'], since: instance.createdAt, limit: 1 });
    return applied.length > 0;
  }

  /** What the leases say, for the runner's stale state lock rule (src/terraform/state-lock.ts). */
  #leaseFacts(operationId: string): LeaseFacts {
    const { storage } = this.#options;
    return {
      holdsInstanceLease: () => storage.renewOperationLease(operationId),
      otherLiveLeaseHosts: async () =>
        (await storage.listLeaseOwners()).filter((owner) => owner !== storage.replicaId).map((owner) => replicaHost(owner)),
    };
  }

  /** The plan's maximum_polling_duration counts from when the platform was told 202. */
  #remainingMs(operation: InProgressOperation, plan: PlanView | undefined): number {
    const limitMs = plan?.maximumPollingDurationSec === undefined ? this.#options.defaultTimeoutMs : plan.maximumPollingDurationSec * 1000;
    return operation.createdAt.getTime() + limitMs - this.#options.clock().getTime();
  }

  /** A bind or unbind whose request died between beginning and completing it. */
  async #recoverBindingOperation(operationId: string): Promise<void> {
    const { storage, logger } = this.#options;
    const current = await storage.getOperation(operationId);
    if (current === undefined || current.state !== 'in progress') return;
    const claimed = await storage.claimOperation(operationId);
    if (claimed === undefined) return;
    const outcome: OperationOutcome =
      claimed.kind === 'unbind'
        ? { state: 'succeeded', description: 'Unbound: credentials revoked (finished after a broker restart)' }
        : {
            state: 'failed',
            description:
              'The broker stopped before it answered this bind request, so the platform never received the credentials; ' +
              'unbind (DELETE) this binding and bind again',
          };
    await this.#complete(operationId, outcome, logger.child({ operationId, kind: claimed.kind, instanceId: claimed.instanceId }));
  }
}

/**
 * Writes progress text to the operation without piling up writes: at most one in flight, the newest
 * text wins. Progress is best effort; the outcome is what counts.
 */
class ProgressReporter {
  #latest: string | undefined;
  #writing: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly operationId: string,
    private readonly log: Logger,
  ) {}

  report(text: string): void {
    this.#latest = clip(text);
    this.#writing ??= this.#drain();
  }

  async flushed(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#latest !== undefined) {
        const text = this.#latest;
        this.#latest = undefined;
        await this.storage.reportProgress(this.operationId, text).catch((error: unknown) => {
          this.log.warn({ err: error }, 'could not record progress');
        });
      }
    } finally {
      this.#writing = undefined;
    }
  }
}

function clip(text: string): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length <= MAX_DESCRIPTION ? single : `${single.slice(0, MAX_DESCRIPTION - 3)}...`;
}

function requirePlan(plan: PlanView | undefined, serviceId: string, planId: string): PlanView {
  if (plan !== undefined) return plan;
  throw new OsbError(
    422,
    'UnprocessableEntity',
    `plan ${planId} of service ${serviceId} is no longer in the catalog; restore it in catalog.yaml, or deprovision the instance`,
  );
}

const VERB: Readonly<Record<InProgressOperation['kind'], string>> = {
  provision: 'Provisioning',
  update: 'Updating',
  deprovision: 'Deprovisioning',
  bind: 'Binding',
  unbind: 'Unbinding',
};

/**
 * Fields only update/deprovision failures carry (OSB instance_usable / update_repeatable). An undefined
 * instanceUsable means "as it was before": the instance keeps its state (src/operations/transitions.ts).
 */
function usability(
  kind: InProgressOperation['kind'],
  instanceUsable: boolean | undefined,
  updateRepeatable: boolean,
): { instanceUsable?: boolean; updateRepeatable?: boolean } {
  const usable = instanceUsable === undefined ? {} : { instanceUsable };
  if (kind === 'update') return { ...usable, updateRepeatable };
  if (kind === 'deprovision') return usable;
  return {};
}

/** Facts the platform must keep seeing after the run (policy warnings, data volumes lost), appended to the final description. */
function withNotes(outcome: OperationOutcome, notes: readonly string[]): OperationOutcome {
  return notes.length === 0 ? outcome : { ...outcome, description: [outcome.description, ...notes].join('. ') };
}

/** The policy warnings the operation was accepted with stay visible in its final description. */
function policyNotes(request: InProgressOperation['request']): string[] {
  const warnings = request.policyWarnings ?? [];
  return warnings.length === 0 ? [] : [`Policy warnings: ${warnings.join('; ')}`];
}

function failure(operation: InProgressOperation, error: unknown): OperationOutcome {
  const verb = VERB[operation.kind];
  if (error instanceof DataVolumeReplacementRefused) {
    return { state: 'failed', description: `${verb} refused: ${error.message}`, ...usability(operation.kind, undefined, false) };
  }
  if (error instanceof OsbError) {
    // Refused before anything was applied: the instance is as usable as it was (never more).
    return { state: 'failed', description: `${verb} refused: ${error.description}`, ...usability(operation.kind, undefined, false) };
  }
  if (error instanceof ExternalError) {
    // The message usually names the first diagnostic already: only the others are added.
    const diagnostics = (error.details.diagnostics ?? []).filter((line) => !error.message.includes(line)).slice(0, 3);
    const detail = diagnostics.length === 0 ? '' : ` (${diagnostics.join('; ')})`;
    // Terraform may have changed some resources before failing: the instance's state is uncertain.
    return { state: 'failed', description: `${verb} failed: ${error.message}${detail}`, ...usability(operation.kind, false, true) };
  }
  return {
    state: 'failed',
    description: `${verb} failed: internal broker error; operators: see the broker log for operation ${operation.id}`,
    ...usability(operation.kind, false, true),
  };
}

function gaveUp(operation: InProgressOperation, maxAttempts: number): OperationOutcome {
  const cleanup = operation.kind === 'provision' ? '; deprovision (DELETE) the instance to clean up' : '';
  return {
    state: 'failed',
    description:
      `${VERB[operation.kind]} was interrupted ${maxAttempts} times (broker restarts or lost leases) and was not retried again; ` +
      `last progress: "${operation.description}"${cleanup}`,
    ...usability(operation.kind, false, true),
  };
}

function timedOut(operation: InProgressOperation, plan: PlanView | undefined): OperationOutcome {
  const limit = plan?.maximumPollingDurationSec === undefined ? 'the broker limit' : `the plan's maximum_polling_duration (${plan.maximumPollingDurationSec} s)`;
  return {
    state: 'failed',
    description: `${VERB[operation.kind]} did not finish within ${limit}; last progress: "${operation.description}"`,
    ...usability(operation.kind, false, true),
  };
}

