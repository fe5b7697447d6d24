/**
 * Measuring helpers for `npm run bench`: child processes that are always cleaned up, medians, free
 * loopback ports, peak RSS from /proc, and a Basic-authenticated OSB client for a broker process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Kills every child still running and removes temp dirs; also runs on exit and on Ctrl-C. */
export function cleanUp(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`stopped by ${signal}; cleaning up\n`);
    cleanUp();
    process.exit(130);
  });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ovsb-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface RunResult {
  readonly code: number | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (no shell), failing after `timeoutMs`. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(
      spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // spawn's own timer: an AbortSignal.timeout nothing else holds can be collected and never fire.
        timeout: options.timeoutMs ?? 600_000,
        killSignal: 'SIGKILL',
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, ms: performance.now() - started, stdout, stderr }));
  });
}

/** Like `run`, but fails unless the exit code is 0. */
export async function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return result;
}

/** `/usr/bin/time -f '%e %M'`: wall seconds and peak RSS (KiB) of a command. */
export async function timed(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<{ seconds: number; peakKiB: number }> {
  const result = await runOk('/usr/bin/time', ['-f', 'OVSB_TIME %e %M', command, ...args], options);
  const match = /OVSB_TIME ([\d.]+) (\d+)/.exec(result.stderr);
  if (match === null) throw new Error(`no /usr/bin/time line in: ${result.stderr.slice(-500)}`);
  return { seconds: Number(match[1]), peakKiB: Number(match[2]) };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process now (KiB), from /proc; undefined once it has exited. */
export function rssKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process' RSS every `everyMs` until stopped; `peak` is the largest sample. */
export function sampleRss(pid: number, everyMs = 200): { peak(): number; stop(): void } {
  let peak = rssKiB(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKiB(pid) ?? 0);
  }, everyMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

export const CREDENTIALS = { username: 'bench', password: 'bench-password-0123456789' } as const;
const AUTH = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
export const OSB_HEADERS = { Authorization: AUTH, 'X-Broker-API-Version': '2.17' } as const;

/** A Basic-authenticated OSB call; returns status and parsed JSON body. */
export async function osb(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...OSB_HEADERS, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Polls until `probe` returns true, every `everyMs`, failing after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, everyMs: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // Not up yet.
    }
    if (performance.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
