/**
 * Embedded storage: one SQLite file `<dataDir>/ovsb.db` (WAL, 0600, dir 0700) for a single broker process.
 *
 * better-sqlite3 is synchronous, so every statement and transaction goes through one queue: a
 * transaction's statements never interleave with another caller's. Write transactions are
 * `BEGIN IMMEDIATE` and the instance mutex is a lease row, so a second process on the same file
 * (not a supported deployment, but an easy mistake) waits instead of corrupting state.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePrivateDir } from '../crypto/keys';
import { ExternalError } from '../errors';
import { LockTimeoutError } from './errors';
import { KeyedMutex } from '../concurrency';
import { type Row, type SqlDialect, type SqlDriver, type SqlExecutor, type SqlParam, UniqueViolation } from './sql/driver';

export const SQLITE_FILE = 'ovsb.db';
const BUSY_TIMEOUT_MS = 5_000;
/** How long a crashed holder's lock row blocks others; renewed while held. */
const LOCK_LEASE_MS = 30_000;
const LOCK_POLL_MS = 25;

/**
 * One queue per database file per process. better-sqlite3 blocks the thread while it waits for a write
 * lock, so two connections to one file in one process (e.g. tests simulating replicas) must never
 * interleave a transaction, or the waiting one would block the holder forever.
 */
const fileQueues = new Map<string, { tail: Promise<unknown>; users: number }>();

const dialect: SqlDialect = {
  forUpdate: '',
  nowMs: "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
  identityMatches(identity) {
    const keys = Object.keys(identity);
    return {
      sql: keys.map(() => `EXISTS (SELECT 1 FROM json_each(identity_value) WHERE key = ? AND value = ?)`).join(' AND '),
      params: keys.flatMap((key) => [key, encode(identity[key] as string | number | boolean)]),
    };
  },
};

/** SQLite has no boolean type: 1/0, which is also what json_each reports for true/false. */
const encode = (value: SqlParam): string | number | null => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

function toExternal(error: unknown, sql: string): Error {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const match = /UNIQUE constraint failed: (.*)$/.exec((error as Error).message);
    return new UniqueViolation(match?.[1], { cause: error });
  }
  const verb = sql.trim().split(/\s+/, 1)[0] ?? 'statement';
  return new ExternalError(`SQLite ${verb} failed: ${(error as Error).message}`, { source: 'sqlite' }, { cause: error });
}

export interface SqliteDriverOptions {
  readonly dataDir: string;
  readonly replicaId: string;
  readonly lockTimeoutMs: number;
}

export class SqliteDriver implements SqlDriver {
  readonly engine = 'sqlite' as const;
  readonly dialect = dialect;
  readonly migrationPreamble: readonly string[] = [];
  readonly path: string;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #mutex = new KeyedMutex();
  readonly #replicaId: string;
  readonly #lockTimeoutMs: number;
  readonly #queue: { tail: Promise<unknown>; users: number };
  #closed = false;

  constructor(options: SqliteDriverOptions) {
    ensurePrivateDir(options.dataDir);
    this.path = join(options.dataDir, SQLITE_FILE);
    // Create the file ourselves so it is never world-readable, not even for a moment.
    closeSync(openSync(this.path, 'a', 0o600));
    chmodSync(this.path, 0o600);
    this.#db = new Database(this.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('synchronous = NORMAL');
    this.#replicaId = options.replicaId;
    this.#lockTimeoutMs = options.lockTimeoutMs;
    const queue = fileQueues.get(this.path) ?? { tail: Promise.resolve(), users: 0 };
    queue.users += 1;
    fileQueues.set(this.path, queue);
    this.#queue = queue;
  }

  /** Runs `fn` after everything queued before it; nothing else touches the connection meanwhile. */
  #serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.#queue.tail.then(() => {
      if (this.#closed) throw new ExternalError('SQLite storage is closed', { source: 'sqlite' });
      return fn();
    });
    this.#queue.tail = result.catch(() => undefined);
    return result;
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  readonly #direct: SqlExecutor = {
    all: async (sql, params = []) => {
      try {
        return this.#statement(sql).all(...params.map(encode)) as Row[];
      } catch (error) {
        throw toExternal(error, sql);
      }
    },
    run: async (sql, params = []) => {
      try {
        return this.#statement(sql).run(...params.map(encode)).changes;
      } catch (error) {
        throw toExternal(error, sql);
      }
    },
  };

  all(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
    return this.#serial(() => this.#direct.all(sql, params));
  }

  read(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
    // better-sqlite3 is synchronous: outside a transaction on this connection the statement sees only
    // committed rows, so a poll need not queue behind writes (nor pay the queue's promise hops).
    if (this.#closed || this.#db.inTransaction) return this.all(sql, params);
    return this.#direct.all(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    return this.#serial(() => this.#direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      await this.#direct.run('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.#direct);
        await this.#direct.run('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async withLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const timeout = () => new LockTimeoutError(instanceId, Date.now() - started);
    const releaseLocal = await this.#mutex.acquireWithin(instanceId, this.#lockTimeoutMs, timeout);
    try {
      while (!(await this.#tryLockRow(instanceId))) {
        if (Date.now() - started >= this.#lockTimeoutMs) throw timeout();
        await sleep(LOCK_POLL_MS + Math.floor(Math.random() * LOCK_POLL_MS));
      }
      const renewal = setInterval(() => void this.#tryLockRow(instanceId).catch(() => undefined), LOCK_LEASE_MS / 3);
      renewal.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renewal);
        await this.run(`DELETE FROM instance_locks WHERE instance_id = ? AND owner = ?`, [instanceId, this.#replicaId]);
      }
    } finally {
      releaseLocal();
    }
  }

  /** Takes (or renews) the lock row unless another live process holds it. */
  async #tryLockRow(instanceId: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.run(
      `INSERT INTO instance_locks (instance_id, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (instance_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE instance_locks.owner = excluded.owner OR instance_locks.expires_at <= ?`,
      [instanceId, this.#replicaId, now + LOCK_LEASE_MS, now],
    );
    return changed > 0;
  }

  ping(): Promise<void> {
    return this.#serial(async () => {
      await this.#direct.all('SELECT 1');
    });
  }

  close(): Promise<void> {
    return this.#serial(() => {
      if (this.#closed) return;
      this.#db.close();
      this.#closed = true;
      this.#queue.users -= 1;
      if (this.#queue.users === 0) fileQueues.delete(this.path);
    }).catch((error: unknown) => {
      // Closing twice is fine: the queue reports "closed" for the second call.
      if (!this.#closed) throw error;
    });
  }
}
