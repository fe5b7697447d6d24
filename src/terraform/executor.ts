/**
 * The only code in the project that starts a process: terraform for the runner, and git, tsc and node for
 * `ovsb review` (src/review/revisions.ts `runProcess`).
 *
 * - No shell: `spawn(bin, args)`, so nothing in an argument is ever interpreted.
 * - A minimal environment: PATH, HOME (and TMPDIR when set) plus the command's own env, never the
 *   broker's whole environment, which holds its own secrets.
 * - stdout/stderr are split into lines as they arrive (a line may span several chunks).
 * - Timeout and AbortSignal interrupt gracefully: SIGINT first (terraform then stops cleanly, persists
 *   state and releases its lock), SIGKILL to the whole process group if it is still alive after the grace
 *   period. The child leads its own process group so that the kill also reaches provider plugins.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

import type { TerraformCommand } from './commands';

export interface ExecuteOptions {
  /** Aborting interrupts the process (SIGINT, then SIGKILL after `killGraceMs`). */
  readonly signal?: AbortSignal;
  /** @default no time limit */
  readonly timeoutMs?: number;
  /** Time between SIGINT and SIGKILL. @default 30000 */
  readonly killGraceMs?: number;
  readonly onStdoutLine?: (line: string) => void;
  readonly onStderrLine?: (line: string) => void;
}

export interface ExecutionResult {
  /** null when the process ended by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** The timeout elapsed and the process was interrupted. */
  readonly timedOut: boolean;
  /** The signal was aborted (before or during the run) and the process was interrupted or never started. */
  readonly aborted: boolean;
}

const DEFAULT_KILL_GRACE_MS = 30_000;

/** Environment variables passed through from the broker's own environment. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR'] as const;

export function childEnvironment(commandEnv: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...commandEnv };
}

/** Feeds decoded chunks in, calls `onLine` per complete line; `flush` emits a last unterminated line. */
class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.#partial + this.#decoder.write(chunk);
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(stripCarriageReturn(line));
  }

  flush(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest.length > 0) this.onLine(stripCarriageReturn(rest));
  }
}

const stripCarriageReturn = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

function collectLines(stream: Readable, into: string[], onLine?: (line: string) => void): LineSplitter {
  const splitter = new LineSplitter((line) => {
    into.push(line);
    onLine?.(line);
  });
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  return splitter;
}

/**
 * Runs `bin` with the command's args, env and cwd. Resolves when the process has exited and its output
 * is fully read, whatever the exit code; rejects only when the process could not be started at all
 * (e.g. `ENOENT`: the binary does not exist), with the spawn error.
 */
export function execute(bin: string, command: TerraformCommand, options: ExecuteOptions = {}): Promise<ExecutionResult> {
  const { signal, timeoutMs, killGraceMs = DEFAULT_KILL_GRACE_MS } = options;
  if (signal?.aborted) {
    return Promise.resolve({ exitCode: null, signal: null, stdout: [], stderr: [], timedOut: false, aborted: true });
  }

  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...command.args], {
      cwd: command.cwd,
      env: childEnvironment(command.env),
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    const stdout: string[] = [];
    const stderr: string[] = [];
    const stdoutLines = collectLines(child.stdout, stdout, options.onStdoutLine);
    const stderrLines = collectLines(child.stderr, stderr, options.onStderrLine);

    let timedOut = false;
    let aborted = false;
    let interrupted = false;
    let exited = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const killGroup = () => {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const interrupt = () => {
      if (interrupted || exited) return;
      interrupted = true;
      child.kill('SIGINT');
      killTimer = setTimeout(killGroup, killGraceMs);
    };
    const onAbort = () => {
      aborted = true;
      interrupt();
    };

    if (timeoutMs !== undefined) {
      timeoutTimer = setTimeout(() => {
        timedOut = true;
        interrupt();
      }, Math.max(0, timeoutMs));
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    const cleanUp = () => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
    };

    child.once('error', (error) => {
      // 'error' without a pid: the process never started. With a pid (a failed kill), 'close' still follows.
      if (child.pid !== undefined) return;
      exited = true;
      cleanUp();
      reject(error);
    });
    child.once('exit', () => {
      exited = true;
    });
    child.once('close', (exitCode, exitSignal) => {
      exited = true;
      cleanUp();
      stdoutLines.flush();
      stderrLines.flush();
      resolve({ exitCode, signal: exitSignal, stdout, stderr, timedOut, aborted });
    });
  });
}
