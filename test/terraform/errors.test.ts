import { describe, expect, it } from 'vitest';

import { ExternalError } from '../../src/errors';
import {
  binaryMissing,
  diagnosticLines,
  parseStderrDiagnostics,
  terraformFailure,
  TerraformError,
  uninstallableProviders,
  type FailureContext,
} from '../../src/terraform/errors';
import type { Diagnostic, TerraformEvent } from '../../src/terraform/events';
import type { ExecutionResult } from '../../src/terraform/executor';
import { isStaleLock, parseLockInfo, type StaleLockFacts } from '../../src/terraform/state-lock';
import { fixtureEvents, fixtureText } from './helpers';

const diagnosticsOf = (events: readonly TerraformEvent[]): Diagnostic[] =>
  events.flatMap((event) => (event.type === 'diagnostic' ? [event.diagnostic] : []));

const exited = (exitCode: number | null, extra: Partial<ExecutionResult> = {}): ExecutionResult => ({
  exitCode,
  signal: null,
  stdout: [],
  stderr: [],
  timedOut: false,
  aborted: false,
  ...extra,
});

const context = (overrides: Partial<FailureContext>): FailureContext => ({
  operation: 'terraform apply',
  step: 'terraform apply',
  result: exited(1),
  diagnostics: [],
  ...overrides,
});

describe('diagnosticLines', () => {
  it('renders summary, address and detail on one line', () => {
    expect(diagnosticLines(diagnosticsOf(fixtureEvents('apply-provisioner-errored.jsonl')))).toEqual([
      "local-exec provisioner error (terraform_data.execution): Error running command 'sleep 11; exit 3': exit status 3. Output:",
    ]);
  });

  it('renders the detail alone when terraform printed an empty summary (e.g. an unreadable local state)', () => {
    const diagnostics = parseStderrDiagnostics(['', 'Error: ', 'Error reading local state: 2 problems:', '', '- Unsupported state file format']);
    expect(diagnosticLines(diagnostics)).toEqual(['Error reading local state: 2 problems: - Unsupported state file format']);
  });

  it('drops duplicates and warnings', () => {
    const lines = diagnosticLines([
      ...diagnosticsOf(fixtureEvents('apply-interrupted.jsonl')),
      { severity: 'warning', summary: 'Deprecated attribute', detail: 'x' },
    ]);
    expect(lines).toEqual([
      "local-exec provisioner error (terraform_data.execution): Error running command 'sleep 20': signal: killed. Output:",
      'execution halted',
    ]);
  });
});

describe('parseStderrDiagnostics', () => {
  it('reads the blocks of a human-readable init failure', () => {
    const diagnostics = parseStderrDiagnostics(fixtureText('init-provider-unreachable.stderr').split('\n'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.summary).toBe('Failed to query available provider packages');
    expect(diagnostics[0]?.detail).toMatch(/^Could not retrieve the list of available versions for provider\nhashicorp\/random: could not connect/);
  });

  it('strips box-drawing margins', () => {
    expect(parseStderrDiagnostics(['╷', '│ Error: Unsupported argument', '│ ', '│ An argument named "x" is not expected here.', '╵'])).toEqual([
      { severity: 'error', summary: 'Unsupported argument', detail: 'An argument named "x" is not expected here.' },
    ]);
  });
});

describe('terraformFailure', () => {
  it('names the step, exit code and first diagnostic of a failed apply', () => {
    const diagnostics = diagnosticsOf(fixtureEvents('apply-postcondition-failed.jsonl'));
    const error = terraformFailure(context({ diagnostics }));
    expect(error).toBeInstanceOf(TerraformError);
    expect(error).toBeInstanceOf(ExternalError);
    expect(error.failure).toEqual({ kind: 'failed' });
    expect(error.message).toBe(
      'terraform apply failed (exit code 1): Resource postcondition failed: The sandbox beacon node was told to fail after creation.',
    );
    expect(error.details).toMatchObject({ source: 'terraform apply', exitCode: 1, diagnostics: [expect.stringContaining('postcondition')] });
  });

  it('counts further diagnostics', () => {
    const error = terraformFailure(context({ diagnostics: diagnosticsOf(fixtureEvents('apply-interrupted.jsonl')) }));
    expect(error.message).toMatch(/^terraform apply failed \(exit code 1\): local-exec provisioner error .* \(and 1 more\)$/);
  });

  it('falls back to the tail of stderr when there is no diagnostic', () => {
    const error = terraformFailure(context({ result: exited(2, { stderr: ['', 'panic: runtime error', 'goroutine 1 [running]:'] }) }));
    expect(error.message).toBe('terraform apply failed (exit code 2): panic: runtime error (and 1 more)');
    expect(error.details.diagnostics).toEqual(['panic: runtime error', 'goroutine 1 [running]:']);
  });

  it('says a timed-out operation was interrupted, and during which step', () => {
    const error = terraformFailure(context({ step: 'terraform init', limitSeconds: 900, result: exited(1, { timedOut: true }) }));
    expect(error.failure).toEqual({ kind: 'timeout', limitSeconds: 900 });
    expect(error.message).toBe('terraform apply did not finish within 900 s and was interrupted (while running terraform init)');
  });

  it('says a cancelled operation was interrupted', () => {
    const error = terraformFailure(context({ result: exited(null, { aborted: true, signal: 'SIGKILL' }) }));
    expect(error.failure).toEqual({ kind: 'aborted' });
    expect(error.message).toBe('terraform apply was cancelled and terraform was interrupted');
  });

  it('explains an unreachable registry and how to configure a provider mirror', () => {
    const diagnostics = parseStderrDiagnostics(fixtureText('init-provider-unreachable.stderr').split('\n'));
    const error = terraformFailure(context({ step: 'terraform init', diagnostics }));
    expect(error.failure).toEqual({ kind: 'provider-install', providers: ['hashicorp/random'] });
    expect(error.message).toBe(
      'terraform init could not install provider hashicorp/random: the provider registry is unreachable from this host. ' +
        'Set OVSB_PROVIDER_MIRROR to a filesystem mirror directory and fill it with `terraform providers mirror <dir>` on a machine that can reach the registry.',
    );
  });

  it('names the mirror when the provider is missing from it', () => {
    const diagnostics = parseStderrDiagnostics(fixtureText('init-provider-not-in-mirror.stderr').split('\n'));
    const error = terraformFailure(context({ step: 'terraform init', diagnostics, providerMirror: '/srv/ovsb/provider-mirror' }));
    expect(error.failure).toEqual({ kind: 'provider-install', providers: ['hashicorp/random'] });
    expect(error.message).toBe(
      'terraform init could not install provider hashicorp/random: the provider mirror /srv/ovsb/provider-mirror (OVSB_PROVIDER_MIRROR) does not hold it; ' +
        'fill it with `terraform providers mirror /srv/ovsb/provider-mirror` on a machine that can reach the registry, then retry.',
    );
  });

  it('reports a held state lock with its holder', () => {
    const diagnostics = diagnosticsOf(fixtureEvents('apply-lock-held.jsonl'));
    const error = terraformFailure(context({ diagnostics, lockTimeoutSec: 1 }));
    expect(error.failure).toMatchObject({ kind: 'state-locked', lock: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), operation: 'OperationTypeApply', path: 'terraform.tfstate' } });
    expect(error.message).toMatch(
      /^terraform apply could not acquire the state lock within 1 s: another terraform run holds it: resource temporarily unavailable \(lock [0-9a-f-]{36} taken by \S+@\S+ at .+\)$/,
    );
  });
});

describe('uninstallableProviders', () => {
  it.each<[string, string, string[]]>([
    ['Failed to install provider', 'Error while installing hashicorp/kubernetes v2.38.0: the local package for registry.terraform.io/hashicorp/kubernetes 2.38.0 doesn\'t match any of the checksums', ['hashicorp/kubernetes']],
    ['Failed to query available provider packages', 'Could not retrieve the list of available versions for provider\nlocalhost:45999/ovsb/slow: could not connect', ['localhost:45999/ovsb/slow']],
    ['Invalid resource type', 'The provider hashicorp/aws does not support resource type "aws_foo".', []],
  ])('%s', (summary, detail, providers) => {
    expect(uninstallableProviders([{ severity: 'error', summary, detail }])).toEqual(providers);
  });
});

describe('binaryMissing', () => {
  it('says which binary and how to configure another', () => {
    const error = binaryMissing('/opt/tf/terraform', 'terraform init', Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }));
    expect(error.failure).toEqual({ kind: 'binary-missing', bin: '/opt/tf/terraform' });
    expect(error.message).toBe(
      'terraform init: the terraform binary "/opt/tf/terraform" was not found; install terraform (1.11 is tested) or set OVSB_TERRAFORM_BIN to its path',
    );
  });
});

describe('state locks', () => {
  const [lockDiagnostic] = diagnosticsOf(fixtureEvents('apply-lock-held.jsonl'));
  const lock = parseLockInfo(lockDiagnostic?.detail ?? '');

  it('parses the lock info block', () => {
    expect(lock).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      who: expect.stringMatching(/@/),
      operation: 'OperationTypeApply',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\d /),
      path: 'terraform.tfstate',
    });
    expect(parseLockInfo('Error message: something else')).toBeUndefined();
  });

  /** An s3 lock left by broker pod `ovsb-0` before it was rescheduled; this replica runs as `ovsb-1`. */
  const staleFacts: StaleLockFacts = {
    lock: { id: 'x', who: 'ovsb@ovsb-0' },
    lockOutlivesHolder: true,
    terraformRunningInWorkspace: false,
    holdsInstanceLease: true,
    otherLiveLeaseHosts: ['ovsb-2'],
    user: 'ovsb',
    waitedMs: 60_000,
    interruptGraceMs: 30_000,
  };

  it.each<[string, Partial<StaleLockFacts>, boolean]>([
    ['GIVEN the holder\'s host runs no live replica (rescheduled pod) THEN stale', {}, true],
    ['GIVEN no other replica holds a lease at all THEN stale', { otherLiveLeaseHosts: [] }, true],
    ['GIVEN the lock is from this host, by a run that is gone THEN stale', { lock: { id: 'x', who: 'ovsb@ovsb-1' } }, true],
    ['GIVEN a live replica on the holder\'s host THEN not stale', { otherLiveLeaseHosts: ['ovsb-2', 'ovsb-0'] }, false],
    ['GIVEN a live lease whose owner names no host THEN not stale (it could be anywhere)', { otherLiveLeaseHosts: [undefined] }, false],
    ['GIVEN this replica does not hold the instance\'s lease THEN not stale', { holdsInstanceLease: false }, false],
    ['GIVEN terraform still runs in the workspace THEN not stale', { terraformRunningInWorkspace: true }, false],
    ['GIVEN terraform waited less than an interrupted holder may take to stop THEN not stale', { waitedMs: 29_999 }, false],
    ['GIVEN the lock was taken by another user (a person running terraform) THEN not stale', { lock: { id: 'x', who: 'alice@laptop' } }, false],
    ['GIVEN a backend whose locks end with their holder (local, pg) THEN not stale', { lockOutlivesHolder: false }, false],
    ['GIVEN a lock without holder THEN not stale', { lock: { id: 'x' } }, false],
  ])('%s', (_case, overrides, stale) => {
    expect(isStaleLock({ ...staleFacts, ...overrides })).toBe(stale);
  });
});
