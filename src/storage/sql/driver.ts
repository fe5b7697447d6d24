/** What the shared SQL storage core needs from an engine. SQL is written with `?` placeholders. */
import type { StorageEngine } from '../types';

export type SqlParam = string | number | boolean | null;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

export interface SqlDialect {
  /** Appended to a SELECT inside a transaction to lock the rows read (PostgreSQL), or '' (SQLite). */
  readonly forUpdate: string;
  /** The database's current time in epoch milliseconds, as an SQL expression (leases use it: one clock for every replica). */
  readonly nowMs: string;
  /** A WHERE fragment: the operation's originating identity has all these top-level fields. */
  identityMatches(identity: Readonly<Record<string, string | number | boolean>>): { sql: string; params: SqlParam[] };
}

export interface SqlDriver extends SqlExecutor {
  readonly engine: StorageEngine;
  readonly dialect: SqlDialect;
  /**
   * One read statement on the hot path (last_operation polls). It sees committed data only and need not
   * wait behind queued writes; PostgreSQL prepares it once per connection.
   */
  read(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Runs `fn` in one write transaction; statements must go through the given executor. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Cross-process mutex per instance id, bounded wait (LockTimeoutError). */
  withLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T>;
  /** Statements run once, in order, inside the migration transaction, before any migration. */
  readonly migrationPreamble: readonly string[];
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A unique index refused a write; the core turns it into a StorageConflictError where it expects one. */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
  constructor(
    /** The index or constraint name where the engine reports it. */
    readonly constraint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`unique constraint ${constraint ?? '(unknown)'} violated`, options);
  }
}
