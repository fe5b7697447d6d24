/** What `/ready` checks: the database answers and the terraform binary can be run. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Storage } from '../storage/types';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when ready; rejects with a message an operator can act on. */
  check(): Promise<void>;
}

export const storageReadiness = (storage: Storage): ReadinessCheck => ({
  name: 'storage',
  check: () => storage.ping(),
});

/** The path `bin` resolves to (a path, or a name on PATH) if it is an executable file. */
export function findExecutable(bin: string, path: string = process.env['PATH'] ?? ''): string | undefined {
  const candidates = bin.includes('/') ? [bin] : path.split(delimiter).filter((dir) => isAbsolute(dir)).map((dir) => join(dir, bin));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

export const executableReadiness = (name: string, bin: string, variable: string): ReadinessCheck => ({
  name,
  check: async () => {
    if (findExecutable(bin) === undefined) {
      throw new Error(`${bin} is not an executable on PATH or at that path; install it or set ${variable}`);
    }
  },
});

/**
 * The terraform state backend (`TerraformRunner.checkBackend`): checked once at start, then answered from
 * that result; a failing backend is checked again at most every `recheckMs` (a fixed server or network
 * turns /ready green without a restart).
 */
export function backendReadiness(check: () => Promise<void>, recheckMs = 60_000, now: () => number = Date.now): ReadinessCheck & { start(): Promise<void> } {
  let last: { ok: true } | { ok: false; error: Error; at: number } | undefined;
  let running: Promise<void> | undefined;
  const run = (): Promise<void> =>
    (running ??= check().then(
      () => {
        last = { ok: true };
        running = undefined;
      },
      (error: unknown) => {
        last = { ok: false, error: error as Error, at: now() };
        running = undefined;
      },
    ));
  return {
    name: 'terraform-backend',
    start: run,
    async check() {
      if (last === undefined || (!last.ok && now() - last.at >= recheckMs)) await run();
      if (last !== undefined && !last.ok) throw last.error;
    },
  };
}
