/**
 * Terraform failures as typed errors whose message is fit for an operation description: it names the
 * step, the cause (terraform's own error summary and detail) and, where there is one, the fix.
 * Messages are built from diagnostics and stderr only, never from stdout (which holds output values).
 */
import { ExternalError } from '../errors';
import type { Diagnostic } from './events';
import type { ExecutionResult } from './executor';
import { lockErrorCause, parseLockInfo, type StateLockInfo } from './state-lock';

export type TerraformFailure =
  /** Terraform ran and reported errors. */
  | { readonly kind: 'failed' }
  | { readonly kind: 'timeout'; readonly limitSeconds: number }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'provider-install'; readonly providers: readonly string[] }
  | { readonly kind: 'state-locked'; readonly lock?: StateLockInfo }
  | { readonly kind: 'binary-missing'; readonly bin: string }
  /** Terraform succeeded but printed machine output this runner cannot read. */
  | { readonly kind: 'unreadable-output' };

export class TerraformError extends ExternalError {
  override readonly name = 'TerraformError';
  constructor(
    message: string,
    readonly failure: TerraformFailure,
    details: ConstructorParameters<typeof ExternalError>[1],
    options?: { cause?: unknown },
  ) {
    super(message, details, options);
  }
}

const MAX_LINE = 600;
const MAX_LINES = 10;

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
const clip = (text: string): string => (text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text);

/** `summary: detail` per error diagnostic, whitespace collapsed, duplicates dropped, bounded. */
export function diagnosticLines(diagnostics: readonly Diagnostic[]): string[] {
  const lines = new Set<string>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity !== 'error') continue;
    const summary = oneLine(diagnostic.summary);
    const detail = oneLine(diagnostic.detail);
    const where = diagnostic.address ? ` (${diagnostic.address})` : '';
    // Some errors come with an empty summary ("Error: " and the text below it): the detail is the line then.
    lines.add(clip(summary === '' ? `${detail}${where}` : `${summary}${where}${detail ? `: ${detail}` : ''}`));
  }
  return [...lines].slice(0, MAX_LINES);
}

/**
 * Reads diagnostics out of terraform's human-readable stderr (commands without `-json`):
 *   Error: Failed to query available provider packages
 *   <blank>
 *   Could not retrieve ... for provider
 *   hashicorp/random: could not connect to registry.terraform.io: ...
 * Box-drawing margins (`│ `), printed when terraform thinks it has a terminal, are stripped.
 */
export function parseStderrDiagnostics(lines: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let current: { severity: 'error' | 'warning'; summary: string; detail: string[] } | undefined;
  const finish = () => {
    if (current) diagnostics.push({ severity: current.severity, summary: current.summary, detail: current.detail.join('\n').trim() });
  };
  for (const raw of lines) {
    const line = raw.replace(/^[│╷╵]\s?/, '');
    const heading = /^(Error|Warning): (.*)$/.exec(line);
    if (heading) {
      finish();
      current = { severity: heading[1] === 'Warning' ? 'warning' : 'error', summary: heading[2]?.trim() ?? '', detail: [] };
    } else if (current) {
      current.detail.push(line);
    }
  }
  finish();
  return diagnostics;
}

const PROVIDER_INSTALL_SUMMARY =
  /^(Failed to query available provider packages|Failed to install provider|Failed to resolve provider packages|Incompatible provider version|Inconsistent dependency lock file)/;
/**
 * `provider hashicorp/random`, `provider registry.terraform.io/hashicorp/random`,
 * `provider localhost:8080/a/b`, `Error while installing hashicorp/kubernetes v2.38.0`.
 */
const PROVIDER_ADDRESS = /(?:provider|installing)\s+((?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9_-]+\/[a-z0-9_-]+)\b/gi;

/** Providers named by provider-installation errors; empty when the failure is something else. */
export function uninstallableProviders(diagnostics: readonly Diagnostic[]): string[] {
  const providers = new Set<string>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity !== 'error' || !PROVIDER_INSTALL_SUMMARY.test(diagnostic.summary)) continue;
    for (const match of oneLine(diagnostic.detail).matchAll(PROVIDER_ADDRESS)) {
      const address = match[1];
      if (address) providers.add(address.replace(/^registry\.terraform\.io\//, ''));
    }
  }
  return [...providers];
}

export interface FailureContext {
  /** What the runner was doing, as users read it: `terraform apply`. */
  readonly operation: string;
  /** The terraform command that failed: `terraform init`. */
  readonly step: string;
  readonly result: ExecutionResult;
  /** Diagnostics from the event stream, or parsed from stderr for commands without `-json`. */
  readonly diagnostics: readonly Diagnostic[];
  /** The operation's time limit, for the timeout message. */
  readonly limitSeconds?: number;
  readonly lockTimeoutSec?: number;
  /** OVSB_PROVIDER_MIRROR when configured, for the provider-installation message. */
  readonly providerMirror?: string;
}

function duringStep({ operation, step }: FailureContext): string {
  return operation === step ? '' : ` (while running ${step})`;
}

function providerInstallMessage(providers: readonly string[], diagnostics: readonly Diagnostic[], mirror?: string): string {
  const names = providers.join(', ');
  const subject = `terraform init could not install provider${providers.length > 1 ? 's' : ''} ${names}`;
  const fill = 'fill it with `terraform providers mirror <dir>` on a machine that can reach the registry';
  if (mirror !== undefined) {
    return `${subject}: the provider mirror ${mirror} (OVSB_PROVIDER_MIRROR) does not hold ${providers.length > 1 ? 'them' : 'it'}; ${fill.replace('<dir>', mirror)}, then retry.`;
  }
  const details = diagnostics.map((d) => d.detail).join(' ');
  const cause = /could not connect to/i.test(details) ? 'the provider registry is unreachable from this host' : 'see the diagnostics';
  return `${subject}: ${cause}. Set OVSB_PROVIDER_MIRROR to a filesystem mirror directory and ${fill}.`;
}

/** Maps a finished-but-failed terraform command (non-zero exit, timeout, abort) to a TerraformError. */
export function terraformFailure(context: FailureContext): TerraformError {
  const { result, diagnostics, step } = context;
  const lines = diagnosticLines(diagnostics);
  const fallback = result.stderr.filter((line) => line.trim() !== '').slice(-MAX_LINES).map(clip);
  const diagnosticsOrStderr = lines.length > 0 ? lines : fallback;
  const details = {
    source: step,
    exitCode: result.exitCode,
    signal: result.signal,
    diagnostics: diagnosticsOrStderr,
  };

  if (result.timedOut) {
    const limitSeconds = context.limitSeconds ?? 0;
    return new TerraformError(
      `${context.operation} did not finish within ${limitSeconds} s and was interrupted${duringStep(context)}`,
      { kind: 'timeout', limitSeconds },
      details,
    );
  }
  if (result.aborted) {
    return new TerraformError(`${context.operation} was cancelled and terraform was interrupted${duringStep(context)}`, { kind: 'aborted' }, details);
  }

  const providers = uninstallableProviders(diagnostics);
  if (providers.length > 0) {
    return new TerraformError(
      providerInstallMessage(providers, diagnostics, context.providerMirror),
      { kind: 'provider-install', providers },
      details,
    );
  }

  const lockError = diagnostics.find((d) => d.severity === 'error' && d.summary === 'Error acquiring the state lock');
  if (lockError) {
    const lock = parseLockInfo(lockError.detail);
    const waited = context.lockTimeoutSec !== undefined ? ` within ${context.lockTimeoutSec} s` : '';
    const holder = lock ? ` (lock ${lock.id}${lock.who ? ` taken by ${lock.who}` : ''}${lock.created ? ` at ${lock.created}` : ''})` : '';
    return new TerraformError(
      `${step} could not acquire the state lock${waited}: another terraform run holds it: ${lockErrorCause(lockError.detail)}${holder}`,
      { kind: 'state-locked', ...(lock ? { lock } : {}) },
      details,
    );
  }

  const exit = result.exitCode !== null ? `exit code ${result.exitCode}` : `signal ${result.signal ?? 'unknown'}`;
  const [first, ...rest] = diagnosticsOrStderr;
  const cause = first ? `: ${first}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}` : '';
  return new TerraformError(`${step} failed (${exit})${cause}`, { kind: 'failed' }, details);
}

/** The binary could not be started at all. */
export function binaryMissing(bin: string, step: string, cause: unknown): TerraformError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'ENOENT' ? 'was not found' : code === 'EACCES' ? 'is not executable' : `could not be started (${String(cause)})`;
  return new TerraformError(
    `${step}: the terraform binary ${JSON.stringify(bin)} ${why}; install terraform (1.11 is tested) or set OVSB_TERRAFORM_BIN to its path`,
    { kind: 'binary-missing', bin },
    { source: step },
    { cause },
  );
}
