/**
 * PostgreSQL storage (`OVSB_DATABASE_URL=postgres://...`): the choice for several broker replicas.
 *
 * The instance mutex is a session advisory lock `pg_advisory_lock(OVSB, hash(instance id))` held on a
 * connection from a separate small pool, so lock waiters never starve the query pool. If a replica dies,
 * its connection closes and PostgreSQL drops the lock. Rows read for a decision are locked with
 * `SELECT ... FOR UPDATE` inside the transaction that writes.
 */
import { createHash } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { ExternalError } from '../errors';
import { LockTimeoutError } from './errors';
import { KeyedMutex } from '../concurrency';
import { type Row, type SqlDialect, type SqlDriver, type SqlExecutor, type SqlParam, UniqueViolation } from './sql/driver';

/** First key of every OVSB advisory lock ('OVSB' in ASCII), so other applications' locks never collide. */
const LOCK_NAMESPACE = 0x4f565342;
/** Second key reserved for schema migrations (instance ids hash to any int4, a collision only serialises). */
const MIGRATION_LOCK_KEY = 0;
const LOCK_NOT_AVAILABLE = '55P03';
/** A database that does not accept a connection within this is reported, not waited on forever. */
const CONNECT_TIMEOUT_MS = 10_000;
const UNIQUE_VIOLATION = '23505';
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
/** The client gives up a little after the server would have, so the server's error wins when it can answer. */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;
const KEEPALIVE_DELAY_MS = 10_000;

/** Our statements are a fixed set, so their `$n` forms are computed once. */
const numberedCache = new Map<string, string>();

/** `?` placeholders to `$1..$n` (our SQL never contains a literal `?`). */
const numbered = (sql: string): string => {
  let text = numberedCache.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    numberedCache.set(sql, text);
  }
  return text;
};

/** Names of the prepared hot-path reads (`ovsb_read_<n>`), one per distinct statement. */
const preparedNames = new Map<string, string>();
const preparedName = (sql: string): string => {
  let name = preparedNames.get(sql);
  if (name === undefined) {
    name = `ovsb_read_${preparedNames.size + 1}`;
    preparedNames.set(sql, name);
  }
  return name;
};

/** A signed int4 derived from the instance id, for the second advisory lock key. */
export const lockKeyOf = (instanceId: string): number => createHash('sha256').update(instanceId, 'utf8').digest().readInt32BE(0);

const dialect: SqlDialect = {
  forUpdate: ' FOR UPDATE',
  // clock_timestamp(), not now(): the time of the statement, not of the transaction's start.
  nowMs: '(extract(epoch from clock_timestamp()) * 1000)::bigint',
  identityMatches(identity) {
    return { sql: 'identity_value @> ?::jsonb', params: [JSON.stringify(identity)] };
  },
};

function toExternal(error: unknown, sql: string): Error {
  const pgError = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (pgError.code === UNIQUE_VIOLATION) {
    return new UniqueViolation(typeof pgError.constraint === 'string' ? pgError.constraint : undefined, { cause: error });
  }
  const verb = sql.trim().split(/\s+/, 1)[0] ?? 'statement';
  return new ExternalError(`PostgreSQL ${verb} failed: ${String(pgError.message)}`, { source: 'postgresql' }, { cause: error });
}

const executorOf = (queryable: Pool | PoolClient): SqlExecutor => ({
  async all(sql, params = []) {
    try {
      return (await queryable.query(numbered(sql), params as SqlParam[])).rows as Row[];
    } catch (error) {
      throw toExternal(error, sql);
    }
  },
  async run(sql, params = []) {
    try {
      return (await queryable.query(numbered(sql), params as SqlParam[])).rowCount ?? 0;
    } catch (error) {
      throw toExternal(error, sql);
    }
  },
});

export interface PostgresDriverOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly lockTimeoutMs: number;
  /**
   * Longest a statement may run, enforced by the server (statement_timeout) and by the client
   * (query_timeout, for a connection that went half-open and would never answer). @default 30_000
   */
  readonly queryTimeoutMs?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); the next query reports its own. */
  readonly onBackgroundError?: (error: Error) => void;
}

export class PostgresDriver implements SqlDriver {
  readonly engine = 'postgres' as const;
  readonly dialect = dialect;
  readonly migrationPreamble: readonly string[] = [`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${MIGRATION_LOCK_KEY})`];
  readonly #pool: Pool;
  readonly #lockPool: Pool;
  readonly #direct: SqlExecutor;
  readonly #mutex = new KeyedMutex();
  readonly #lockTimeoutMs: number;
  #closing: Promise<void> | undefined;

  constructor(options: PostgresDriverOptions) {
    const onError = (error: Error) => options.onBackgroundError?.(error);
    const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    // TCP keepalive finds a peer that vanished (half-open connection) even on a connection that only
    // holds an advisory lock and sends nothing.
    const connection = { connectionString: options.url, max: options.poolSize, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS };
    this.#pool = new Pool({
      ...connection,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: queryTimeoutMs,
      query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      application_name: 'ovsb',
    });
    // Waiting for a free lock connection counts against the lock wait; pg_advisory_lock waits up to the
    // lock wait (lock_timeout), so its statements may run that much longer.
    this.#lockPool = new Pool({
      ...connection,
      connectionTimeoutMillis: options.lockTimeoutMs,
      statement_timeout: options.lockTimeoutMs + queryTimeoutMs,
      query_timeout: options.lockTimeoutMs + queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      application_name: 'ovsb-locks',
    });
    this.#pool.on('error', onError);
    this.#lockPool.on('error', onError);
    this.#direct = executorOf(this.#pool);
    this.#lockTimeoutMs = options.lockTimeoutMs;
  }

  all(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
    return this.#direct.all(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    return this.#direct.run(sql, params);
  }

  async read(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    try {
      return (await this.#pool.query({ name: preparedName(sql), text: numbered(sql), values: params as SqlParam[] })).rows as Row[];
    } catch (error) {
      throw toExternal(error, sql);
    }
  }

  async #connect(pool: Pool): Promise<PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw new ExternalError(`PostgreSQL connection failed: ${(error as Error).message}`, { source: 'postgresql' }, { cause: error });
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#connect(this.#pool);
    const tx = executorOf(client);
    let broken: Error | undefined;
    try {
      await tx.run('BEGIN');
      const result = await fn(tx);
      await tx.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  async withLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const timeout = () => new LockTimeoutError(instanceId, Date.now() - started);
    // Waiters in this process queue here, so only one of them holds a connection waiting on the server.
    const releaseLocal = await this.#mutex.acquireWithin(instanceId, this.#lockTimeoutMs, timeout);
    try {
      const client = await this.#connect(this.#lockPool).catch((error: unknown) => {
        throw Date.now() - started >= this.#lockTimeoutMs ? timeout() : error;
      });
      let broken: Error | undefined;
      try {
        const remaining = Math.max(1, this.#lockTimeoutMs - (Date.now() - started));
        try {
          await client.query(`SET lock_timeout = ${Math.ceil(remaining)}`);
          await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockKeyOf(instanceId)]);
        } catch (error) {
          if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw timeout();
          broken = error as Error;
          throw toExternal(error, 'SELECT pg_advisory_lock');
        }
        try {
          return await fn();
        } finally {
          try {
            await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKeyOf(instanceId)]);
          } catch (error) {
            // Ending the session releases the lock for sure.
            broken = error as Error;
          }
        }
      } finally {
        client.release(broken);
      }
    } finally {
      releaseLocal();
    }
  }

  async ping(): Promise<void> {
    await this.#direct.all('SELECT 1');
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([this.#pool.end(), this.#lockPool.end()]).then(() => undefined);
    return this.#closing;
  }
}
