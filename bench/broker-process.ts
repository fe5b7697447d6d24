/**
 * The broker as operators run it: `node dist/src/cli/main.js serve` in its own process, on a free
 * loopback port, with its own data dir (SQLite) or a PostgreSQL URL.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/catalog/load';
import { CREDENTIALS, freePort, OSB_HEADERS, track, waitFor } from './measure';

/** A fixed key so the bench can seed storage the broker then reads (hex, 32 bytes). */
export const BENCH_ENCRYPTION_KEY = '7'.repeat(64);

export const cliMain = (): string => join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

export interface BrokerProcess {
  readonly base: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first 200 on /v2/catalog. */
  readonly startMs: number;
  stop(): Promise<void>;
}

export interface BrokerProcessOptions {
  readonly dataDir: string;
  /** @default SQLite in dataDir */
  readonly databaseUrl?: string;
  /** @default 4 */
  readonly maxConcurrentApplies?: number;
  /** OVSB_LOG_LEVEL. @default 'info' (the broker's default) */
  readonly logLevel?: string;
  /** More environment (OVSB_CATALOG, OVSB_GATEWAY_URL, ...). @default none */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [cliMain(), 'serve'], {
      cwd: options.dataDir,
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        OVSB_PORT: String(port),
        OVSB_HOST: '127.0.0.1',
        OVSB_DATA_DIR: options.dataDir,
        OVSB_USERNAME: CREDENTIALS.username,
        OVSB_PASSWORD: CREDENTIALS.password,
        OVSB_ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
        // What operators run: the default level, an access line per request (to /dev/null here).
        OVSB_LOG_LEVEL: options.logLevel ?? 'info',
        OVSB_MAX_CONCURRENT_APPLIES: String(options.maxConcurrentApplies ?? 4),
        CHECKPOINT_DISABLE: '1',
        ...(options.databaseUrl !== undefined && { OVSB_DATABASE_URL: options.databaseUrl }),
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'broker start',
      async () => {
        if (child.exitCode !== null) throw new Error(`the broker exited ${child.exitCode}: ${stderr}`);
        const response = await fetch(`${base}/v2/catalog`, { headers: OSB_HEADERS });
        await response.arrayBuffer();
        return response.status === 200;
      },
      5,
      60_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; broker stderr: ${stderr.slice(-2000)}`);
  }
  const startMs = performance.now() - started;
  return {
    base,
    pid: child.pid!,
    startMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
