/**
 * A throwaway PostgreSQL 15 cluster for tests, from the local binaries: temp dir, `initdb` (as the
 * `postgres` user when running as root, which initdb requires), a free loopback port, a socket dir inside
 * the temp dir, `pg_ctl start`, one database. `stop()` stops it and removes everything; a process exit
 * handler does the same if a test run dies before `afterAll`.
 *
 * Use per file:
 *   let pg: TestPostgres;
 *   beforeAll(async () => { pg = await startPostgres(); });
 *   afterAll(async () => { await pg?.stop(); });
 * Several clusters may run at once (each its own dir and port). `npm run bench` uses it too.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export const POSTGRES_BIN = process.env['OVSB_TEST_POSTGRES_BIN'] ?? '/usr/lib/postgresql/15/bin';
const DATABASE = 'ovsb';
const START_ATTEMPTS = 3;

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/ovsb` (trust auth on loopback). */
  readonly url: string;
  readonly port: number;
  /** The temp dir holding data, socket and log; gone after `stop()`. */
  readonly directory: string;
  /** Creates another empty database on the same cluster and returns its URL (isolation between suites). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Runs a PostgreSQL binary as `postgres` when we are root (initdb and postgres refuse to run as root). */
function asPostgresUser(bin: string, args: readonly string[]): [string, string[]] {
  const path = join(POSTGRES_BIN, bin);
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
}

async function pg(bin: string, args: readonly string[]): Promise<void> {
  const [command, argv] = asPostgresUser(bin, args);
  try {
    await run(command, argv, { timeout: 60_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${(stderr || stdout || String(error)).trim()}`, { cause: error });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Synchronous best-effort stop, for the exit handler (async work cannot run there). */
function stopNow(dataDir: string, root: string): void {
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    const [command, argv] = asPostgresUser('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(command, argv, { stdio: 'ignore', timeout: 30_000 });
  }
  rmSync(root, { recursive: true, force: true });
}

export async function startPostgres(): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'ovsb-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  const logFile = join(root, 'postgres.log');
  const cleanupOnExit = () => stopNow(dataDir, root);
  process.once('exit', cleanupOnExit);
  try {
    mkdirSync(socketDir);
    if (isRoot()) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      for (const dir of [root, socketDir]) chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await pg('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale', 'C']);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${socketDir}`,
        '-c listen_addresses=127.0.0.1',
        // A test cluster: durability buys nothing, speed does.
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=100',
      ].join(' ');
      try {
        await pg('pg_ctl', ['-D', dataDir, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
        break;
      } catch (error) {
        // Another process may have taken the port between our probe and postgres binding it.
        if (attempt >= START_ATTEMPTS) {
          const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
          throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`, { cause: error });
        }
      }
    }

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const createDatabase = async (name: string): Promise<string> => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} must match [a-z_][a-z0-9_]*`);
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    };
    const url = await createDatabase(DATABASE);

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        process.removeListener('exit', cleanupOnExit);
        try {
          await pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      })();
      return stopped;
    };
    return { url, port, directory: root, createDatabase, stop };
  } catch (error) {
    process.removeListener('exit', cleanupOnExit);
    stopNow(dataDir, root);
    throw error;
  }
}
