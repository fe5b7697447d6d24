/**
 * One method per terraform command: builds the command (commands.ts), runs it (executor.ts), reads its
 * machine output into typed values and turns every failure into a TerraformError.
 */
import {
  applyCommand,
  applyPlanCommand,
  describeCommand,
  destroyCommand,
  forceUnlockCommand,
  initCommand,
  outputCommand,
  planCommand,
  showCommand,
  showPlanCommand,
  validateCommand,
  type CommandContext,
  type TerraformCommand,
} from './commands';
import { binaryMissing, parseStderrDiagnostics, terraformFailure, TerraformError } from './errors';
import { parseEvent, type ChangeAction, type ChangeCounts, type Diagnostic, type ResourceRef, type TerraformEvent } from './events';
import { execute, type ExecutionResult } from './executor';
import type { TerraformLog } from './log';
import {
  MachineOutputError,
  parseOutputs,
  parsePlan,
  parseShow,
  parseValidation,
  type PlannedResourceChange,
  type StateSummary,
  type TerraformOutputs,
  type ValidationResult,
} from './parse';

export interface InvokerSettings {
  /** Binary name or path (`OVSB_TERRAFORM_BIN`); OpenTofu's `tofu` speaks the same protocol. */
  readonly bin: string;
  /** Grace between SIGINT and SIGKILL when a command is interrupted. */
  readonly killGraceMs: number;
  /** Named in the message when a provider cannot be installed. @default none */
  readonly providerMirror?: string;
  readonly log: TerraformLog;
}

export interface InvocationOptions {
  readonly signal?: AbortSignal;
  /** Time this command may take before it is interrupted (SIGINT). @default no limit */
  readonly timeoutMs?: number;
  /** Grace between SIGINT and SIGKILL for this command. @default the invoker's `killGraceMs` */
  readonly killGraceMs?: number;
  /** The whole operation's limit, named in the timeout message. @default `timeoutMs` */
  readonly limitMs?: number;
  /** The runner operation this command is part of, e.g. `terraform apply`. @default the command itself */
  readonly operation?: string;
}

export interface LockingInvocation extends InvocationOptions {
  readonly lockTimeoutSec: number;
}

export interface StreamingInvocation extends LockingInvocation {
  /** Every parsed event of the `-json` stream, in order. */
  readonly onEvent?: (event: TerraformEvent) => void;
}

export interface PlanInvocation extends StreamingInvocation {
  /** Saves the plan there (`-out`), for {@link TerraformInvoker.showPlan} and {@link TerraformInvoker.applyPlan}. @default not saved */
  readonly planFile?: string;
}

export interface PlannedChange {
  readonly resource: ResourceRef;
  readonly action: ChangeAction;
  readonly reason?: string;
}

export interface PlanResult {
  /** Every `planned_change`, no-ops excluded (terraform does not announce them). */
  readonly changes: readonly PlannedChange[];
  readonly summary?: ChangeCounts;
}

export interface ChangeRunResult {
  /** The final `change_summary` (operation `apply` or `destroy`). */
  readonly summary?: ChangeCounts;
}

interface StreamRun {
  readonly result: ExecutionResult;
  readonly events: readonly TerraformEvent[];
}

const stepName = (command: TerraformCommand): string => `terraform ${command.args[0] ?? ''}`;

export class TerraformInvoker {
  constructor(private readonly settings: InvokerSettings) {}

  async init(ws: CommandContext, options: LockingInvocation): Promise<void> {
    const command = initCommand(ws, options);
    const result = await this.#run(command, options);
    if (result.exitCode !== 0) throw this.#failure(command, result, parseStderrDiagnostics(result.stderr), options);
  }

  /** Resolves with the verdict (also for an invalid configuration); rejects only when terraform fails. */
  async validate(ws: CommandContext, options: InvocationOptions = {}): Promise<ValidationResult> {
    const command = validateCommand(ws);
    const result = await this.#run(command, options);
    if (result.timedOut || result.aborted) throw this.#failure(command, result, [], options);
    try {
      return parseValidation(result.stdout.join('\n'));
    } catch (error) {
      if (result.exitCode !== 0) throw this.#failure(command, result, parseStderrDiagnostics(result.stderr), options);
      throw this.#unreadable(command, error);
    }
  }

  async plan(ws: CommandContext, options: PlanInvocation): Promise<PlanResult> {
    const { events } = await this.#stream(planCommand(ws, options), options);
    const changes: PlannedChange[] = [];
    for (const event of events) {
      if (event.type === 'planned_change') {
        changes.push({ resource: event.resource, action: event.action, ...(event.reason !== undefined ? { reason: event.reason } : {}) });
      }
    }
    const summary = lastSummary(events, 'plan');
    return { changes, ...(summary ? { summary } : {}) };
  }

  async apply(ws: CommandContext, options: StreamingInvocation): Promise<ChangeRunResult> {
    const { events } = await this.#stream(applyCommand(ws, options), options);
    const summary = lastSummary(events, 'apply');
    return summary ? { summary } : {};
  }

  /** Applies a saved plan exactly as planned (terraform refuses it when the state changed since). */
  async applyPlan(ws: CommandContext, planFile: string, options: StreamingInvocation): Promise<ChangeRunResult> {
    const { events } = await this.#stream(applyPlanCommand(ws, options, planFile), options);
    const summary = lastSummary(events, 'apply');
    return summary ? { summary } : {};
  }

  /**
   * The resource changes of a saved plan, with before/after values. Those hold secrets: the runner only
   * inspects them; stdout is never logged.
   */
  async showPlan(ws: CommandContext, planFile: string, options: InvocationOptions = {}): Promise<PlannedResourceChange[]> {
    const command = showPlanCommand(ws, planFile);
    const result = await this.#run(command, options);
    if (result.exitCode !== 0) throw this.#failure(command, result, parseStderrDiagnostics(result.stderr), options);
    try {
      return parsePlan(result.stdout.join('\n'));
    } catch (error) {
      throw this.#unreadable(command, error);
    }
  }

  async destroy(ws: CommandContext, options: StreamingInvocation): Promise<ChangeRunResult> {
    const { events } = await this.#stream(destroyCommand(ws, options), options);
    const summary = lastSummary(events, 'destroy');
    return summary ? { summary } : {};
  }

  /** All outputs with their values, sensitive ones included: the caller owns keeping those secret. */
  async output(ws: CommandContext, options: InvocationOptions = {}): Promise<TerraformOutputs> {
    const command = outputCommand(ws);
    const result = await this.#run(command, options);
    if (result.exitCode !== 0) throw this.#failure(command, result, parseStderrDiagnostics(result.stderr), options);
    try {
      return parseOutputs(result.stdout.join('\n'));
    } catch (error) {
      throw this.#unreadable(command, error);
    }
  }

  /** Resource addresses and output names of the current state; no attribute or output values. */
  async show(ws: CommandContext, options: InvocationOptions = {}): Promise<StateSummary> {
    const command = showCommand(ws);
    const result = await this.#run(command, options);
    if (result.exitCode !== 0) throw this.#failure(command, result, parseStderrDiagnostics(result.stderr), options);
    try {
      return parseShow(result.stdout.join('\n'));
    } catch (error) {
      throw this.#unreadable(command, error);
    }
  }

  async forceUnlock(ws: CommandContext, lockId: string, options: InvocationOptions = {}): Promise<void> {
    const command = forceUnlockCommand(ws, lockId);
    const result = await this.#run(command, options);
    if (result.exitCode !== 0) throw this.#failure(command, result, parseStderrDiagnostics(result.stderr), options);
  }

  /** Runs a `-json` streaming command; rejects with the diagnostics of the stream when it fails. */
  async #stream(command: TerraformCommand, options: StreamingInvocation): Promise<StreamRun> {
    const events: TerraformEvent[] = [];
    const result = await this.#run(command, options, (line) => {
      const event = parseEvent(line);
      if (event === undefined) return;
      events.push(event);
      options.onEvent?.(event);
    });
    if (result.exitCode !== 0) {
      const diagnostics: Diagnostic[] = events.flatMap((event) => (event.type === 'diagnostic' ? [event.diagnostic] : []));
      throw this.#failure(command, result, diagnostics.length > 0 ? diagnostics : parseStderrDiagnostics(result.stderr), options);
    }
    return { result, events };
  }

  async #run(command: TerraformCommand, options: InvocationOptions, onStdoutLine?: (line: string) => void): Promise<ExecutionResult> {
    const { bin, killGraceMs, log } = this.settings;
    const started = Date.now();
    let result: ExecutionResult;
    try {
      result = await execute(bin, command, {
        killGraceMs: options.killGraceMs ?? killGraceMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(onStdoutLine ? { onStdoutLine } : {}),
      });
    } catch (error) {
      throw binaryMissing(bin, stepName(command), error);
    }
    log.info(
      {
        command: describeCommand(command, bin),
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        aborted: result.aborted,
        durationMs: Date.now() - started,
      },
      `${stepName(command)} finished`,
    );
    return result;
  }

  #failure(command: TerraformCommand, result: ExecutionResult, diagnostics: readonly Diagnostic[], options: InvocationOptions): TerraformError {
    const step = stepName(command);
    const limitMs = options.limitMs ?? options.timeoutMs;
    const lockTimeoutSec = 'lockTimeoutSec' in options && typeof options.lockTimeoutSec === 'number' ? options.lockTimeoutSec : undefined;
    return terraformFailure({
      operation: options.operation ?? step,
      step,
      result,
      diagnostics,
      ...(limitMs !== undefined ? { limitSeconds: Math.round(limitMs / 1000) } : {}),
      ...(lockTimeoutSec !== undefined ? { lockTimeoutSec } : {}),
      ...(this.settings.providerMirror !== undefined ? { providerMirror: this.settings.providerMirror } : {}),
    });
  }

  #unreadable(command: TerraformCommand, error: unknown): TerraformError {
    const step = stepName(command);
    const reason = error instanceof MachineOutputError ? error.message : String(error);
    return new TerraformError(`${step} succeeded but its output could not be read: ${reason}`, { kind: 'unreadable-output' }, { source: step }, { cause: error });
  }
}

function lastSummary(events: readonly TerraformEvent[], operation: 'plan' | 'apply' | 'destroy'): ChangeCounts | undefined {
  let summary: ChangeCounts | undefined;
  for (const event of events) if (event.type === 'change_summary' && event.operation === operation) summary = event.changes;
  return summary;
}
