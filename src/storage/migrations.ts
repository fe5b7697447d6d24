/**
 * Versioned schema, one entry per change, never edited once released: add a new version instead.
 * Applied on open inside one transaction holding the migration lock (concurrent replicas wait, then see
 * the versions applied and skip them). Timestamps are epoch milliseconds in both engines.
 */
import { ConfigError } from '../errors';
import type { StorageEngine } from './types';
import type { SqlDriver } from './sql/driver';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: Readonly<Record<StorageEngine, readonly string[]>>;
}

const INSTANCE_STATES = `'provisioning','provisioned','updating','deprovisioning','deprovisioned','failed'`;
const BINDING_STATES = `'creating','created','deleting','deleted','failed'`;
const OPERATION_STATES = `'in progress','succeeded','failed'`;
const OPERATION_KINDS = `'provision','update','deprovision','bind','unbind'`;

/** Tables whose DDL is the same text in both engines apart from types. */
function initialSchema(engine: StorageEngine): string[] {
  const json = engine === 'postgres' ? 'JSONB' : 'TEXT';
  const bool = engine === 'postgres' ? 'BOOLEAN' : 'INTEGER';
  const seq = engine === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  return [
    `CREATE TABLE instances (
      id TEXT PRIMARY KEY,
      service_id TEXT NOT NULL,
      plan_id TEXT NOT NULL,
      parameters_enc TEXT NOT NULL,
      context ${json} NOT NULL,
      maintenance_info_version TEXT,
      state TEXT NOT NULL CHECK (state IN (${INSTANCE_STATES})),
      outputs_enc TEXT NOT NULL,
      dashboard_url TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE INDEX instances_by_plan ON instances (plan_id, state)`,
    `CREATE TABLE bindings (
      instance_id TEXT NOT NULL REFERENCES instances (id),
      id TEXT NOT NULL,
      service_id TEXT NOT NULL,
      plan_id TEXT NOT NULL,
      parameters_enc TEXT NOT NULL,
      context ${json} NOT NULL,
      bind_resource ${json},
      credentials_enc TEXT NOT NULL,
      endpoints ${json} NOT NULL,
      token_hash TEXT UNIQUE,
      scopes ${json} NOT NULL,
      state TEXT NOT NULL CHECK (state IN (${BINDING_STATES})),
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      revoked_at BIGINT,
      PRIMARY KEY (instance_id, id)
    )`,
    `CREATE TABLE operations (
      seq ${seq},
      id TEXT NOT NULL UNIQUE,
      instance_id TEXT NOT NULL,
      binding_id TEXT,
      kind TEXT NOT NULL CHECK (kind IN (${OPERATION_KINDS})),
      service_id TEXT NOT NULL,
      plan_id TEXT NOT NULL,
      request_enc TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN (${OPERATION_STATES})),
      description TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      instance_usable ${bool},
      update_repeatable ${bool},
      prior_state TEXT,
      identity_platform TEXT,
      identity_value ${json},
      request_identity TEXT,
      owner TEXT,
      lease_expires_at BIGINT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      finished_at BIGINT
    )`,
    // The invariant behind "never two runs on one instance": the database refuses a second one.
    `CREATE UNIQUE INDEX operations_one_running_per_instance ON operations (instance_id)
      WHERE state = 'in progress' AND binding_id IS NULL`,
    `CREATE UNIQUE INDEX operations_one_running_per_binding ON operations (instance_id, binding_id)
      WHERE state = 'in progress' AND binding_id IS NOT NULL`,
    `CREATE INDEX operations_by_target ON operations (instance_id, binding_id, seq)`,
    `CREATE INDEX operations_by_identity ON operations (identity_platform, created_at)`,
    `CREATE INDEX operations_by_time ON operations (created_at)`,
    `CREATE INDEX operations_running ON operations (state, lease_expires_at)`,
    // Cross-process instance mutex for SQLite (PostgreSQL uses advisory locks instead).
    `CREATE TABLE instance_locks (
      instance_id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      expires_at BIGINT NOT NULL
    )`,
    `CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
  ];
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'instances, bindings, operations', sql: { sqlite: initialSchema('sqlite'), postgres: initialSchema('postgres') } },
];

/** Applies missing migrations; returns the versions applied now (empty when up to date). */
export async function applyMigrations(driver: SqlDriver, now: () => number): Promise<number[]> {
  return driver.transaction(async (tx) => {
    for (const statement of driver.migrationPreamble) await tx.run(statement);
    await tx.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const applied = new Set((await tx.all(`SELECT version FROM schema_migrations`)).map((row) => Number(row['version'])));
    const newest = Math.max(0, ...applied);
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    if (newest > known) {
      throw new ConfigError(
        'schema_migrations',
        '',
        `the database schema is at version ${newest} but this broker knows versions up to ${known}; run a broker release at least as new as the one that migrated it`,
      );
    }
    const appliedNow: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.sql[driver.engine]) await tx.run(statement);
      await tx.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, [
        migration.version,
        migration.name,
        now(),
      ]);
      appliedNow.push(migration.version);
    }
    return appliedNow;
  });
}
