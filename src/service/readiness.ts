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
