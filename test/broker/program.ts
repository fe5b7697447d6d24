/**
 * Running the compiled program (`node dist/src/cli/main.js serve`, what `npm start` runs) as a child
 * process for the restart and zero-configuration tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(__dirname, '../..');
export const MAIN = join(ROOT, 'dist/src/cli/main.js');

/** `npx tsc -p tsconfig.json`, as the issue asks before spawning dist. */
export function buildDist(): void {
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // tsc emits despite type errors elsewhere in the tree; what matters is that the entry point exists.
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} was not built`);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** stdout (JSON log lines) so far. */
  stdout(): string;
  /** stderr (operator messages) so far. */
  stderr(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const running: ChildProcess[] = [];

/** Kills whatever a failed test left running. */
export function killAll(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts `ovsb serve` with exactly `env` (plus PATH and HOME) in `cwd`; resolves once /live answers. */
export async function serve(env: Record<string, string>, cwd: string): Promise<ServeProcess> {
  const port = Number(env['OVSB_PORT']);
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', CHECKPOINT_DISABLE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`ovsb serve exited with ${child.exitCode}:\n${err}\n${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/live`)).ok) {
        return {
          child,
          port,
          stdout: () => out,
          stderr: () => err,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`ovsb serve did not start:\n${err}\n${out}`);
}
