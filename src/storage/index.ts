/** `openStorage`: picks the engine from `OVSB_DATABASE_URL`, applies migrations, checks the encryption key. */
import { ConfigError } from '../errors';
import { newReplicaId } from '../operations/replica';
import { applyMigrations } from './migrations';
import type { SqlDriver } from './sql/driver';
import { SqlStorage } from './sql/core';
import { SqliteDriver } from './sqlite';
import type { OpenStorageOptions, Storage, StorageEngine } from './types';

export * from './types';
export { LockTimeoutError, StorageConflictError, type StorageConflict, type StorageConflictReason } from './errors';
export { MIGRATIONS } from './migrations';
export { SQLITE_FILE } from './sqlite';

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
const DEFAULT_POOL_SIZE = 10;

/** Which engine a database URL selects; names the variable and the accepted forms when it is neither. */
export function storageEngineFor(databaseUrl: string | undefined): StorageEngine {
  if (databaseUrl === undefined || databaseUrl.trim() === '') return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgres';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1];
  throw new ConfigError(
    'OVSB_DATABASE_URL',
    '',
    `scheme ${scheme === undefined ? '(none)' : `"${scheme}"`} is not supported; use postgres://user:password@host:5432/db, or leave it unset for SQLite in OVSB_DATA_DIR`,
  );
}

function leaseClockOf(options: OpenStorageOptions): { leaseClock?: () => Date } {
  const chosen = options.leaseClock ?? options.clock ?? 'database';
  return chosen === 'database' ? {} : { leaseClock: chosen };
}

export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const replicaId = options.replicaId ?? newReplicaId();
  const clock = options.clock ?? (() => new Date());
  // pg takes ~65 ms to load: only brokers configured for PostgreSQL pay for it.
  const driver: SqlDriver =
    storageEngineFor(options.databaseUrl) === 'postgres'
      ? new (await import('./postgres')).PostgresDriver({
          url: options.databaseUrl as string,
          poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
          lockTimeoutMs,
          ...(options.onBackgroundError !== undefined && { onBackgroundError: options.onBackgroundError }),
        })
      : new SqliteDriver({ dataDir: options.dataDir, replicaId, lockTimeoutMs });
  const storage = new SqlStorage(driver, {
    secretBox: options.secretBox,
    replicaId,
    operationLeaseMs: options.operationLeaseMs ?? DEFAULT_LEASE_MS,
    clock,
    ...leaseClockOf(options),
  });
  try {
    await applyMigrations(driver, () => clock().getTime());
    await storage.checkEncryptionKey();
  } catch (error) {
    await driver.close();
    throw error;
  }
  return storage;
}
