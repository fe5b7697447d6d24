/**
 * The Storage contract over a SqlDriver: what begin/complete write (with operations/transitions.ts) and
 * encryption live here once; who may run an operation (leases, claims) lives in leases.ts. The engines
 * differ only in their driver (sqlite.ts, postgres.ts). The crash-safety rules as a whole: docs/operations.md.
 */
import type { SecretBox } from '../../crypto/secret-box';
import { ConfigError } from '../../errors';
import { newOperationId } from '../../operations/ids';
import { settle } from '../../operations/transitions';
import type { Binding, BindingState, InProgressOperation, Instance, InstanceState, Operation, OperationStatus } from '../../operations/types';
import { StorageConflictError } from '../errors';
import type {
  BeganOperation,
  BeginOperationInput,
  BindingFilter,
  BindingPatch,
  InstanceFilter,
  InstancePatch,
  NewBinding,
  NewInstance,
  OperationOutcome,
  OperationQuery,
  ProvisionRetryInput,
  PruneResult,
  Storage,
  StorageEngine,
} from '../types';
import { OperationLeases } from './leases';
import { pruneRetired } from './retention';
import { type Row, type SqlDriver, type SqlExecutor, type SqlParam, UniqueViolation } from './driver';
import {
  bindingAad,
  decodeBinding,
  decodeInstance,
  decodeOperation,
  decodeOperationStatus,
  instanceAad,
  OPERATION_STATUS_COLUMNS,
  operationAad,
} from './rows';

const MAX_QUERY_LIMIT = 1000;
const DEFAULT_QUERY_LIMIT = 100;

export interface SqlStorageOptions {
  readonly secretBox: SecretBox;
  readonly replicaId: string;
  readonly operationLeaseMs: number;
  /** Timestamps of rows (created, updated, finished). */
  readonly clock: () => Date;
  /**
   * Time for leases (claim, renew, expiry). @default the database's clock, so replicas whose clocks
   * disagree still agree on when a lease ends (tests pass a clock they move by hand)
   */
  readonly leaseClock?: () => Date;
}

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

function inList(column: string, values: readonly string[] | undefined, where: string[], params: SqlParam[]): void {
  if (values === undefined) return;
  if (values.length === 0) {
    where.push('1 = 0');
    return;
  }
  where.push(`${column} IN (${placeholders(values.length)})`);
  params.push(...values);
}

/** The current row merged with a patch; a tombstone never keeps outputs. */
function patchInstance(current: Instance, patch: InstancePatch, now: Date): Instance {
  const state = patch.state ?? current.state;
  const maintenanceInfoVersion =
    patch.maintenanceInfoVersion === null ? undefined : (patch.maintenanceInfoVersion ?? current.maintenanceInfoVersion);
  const dashboardUrl = patch.dashboardUrl === null ? undefined : (patch.dashboardUrl ?? current.dashboardUrl);
  return {
    id: current.id,
    serviceId: current.serviceId,
    planId: patch.planId ?? current.planId,
    parameters: patch.parameters ?? current.parameters,
    context: patch.context ?? current.context,
    ...(maintenanceInfoVersion !== undefined && { maintenanceInfoVersion }),
    state,
    outputs: state === 'deprovisioned' ? {} : (patch.outputs ?? current.outputs),
    ...(dashboardUrl !== undefined && { dashboardUrl }),
    createdAt: current.createdAt,
    updatedAt: now,
  };
}

/** The current row merged with a patch; becoming a tombstone revokes the token and erases credentials. */
function patchBinding(current: Binding, patch: BindingPatch, now: Date): Binding {
  const state = patch.state ?? current.state;
  const deleted = state === 'deleted';
  const tokenHash = patch.tokenHash ?? current.tokenHash;
  const revokedAt = deleted ? (current.revokedAt ?? now) : undefined;
  return {
    id: current.id,
    instanceId: current.instanceId,
    serviceId: current.serviceId,
    planId: current.planId,
    parameters: current.parameters,
    context: current.context,
    ...(current.bindResource !== undefined && { bindResource: current.bindResource }),
    credentials: deleted ? {} : (patch.credentials ?? current.credentials),
    endpoints: deleted ? [] : (patch.endpoints ?? current.endpoints),
    ...(tokenHash !== undefined && { tokenHash }),
    scopes: patch.scopes ?? current.scopes,
    state,
    createdAt: current.createdAt,
    updatedAt: now,
    ...(revokedAt !== undefined && { revokedAt }),
  };
}

export class SqlStorage implements Storage {
  readonly engine: StorageEngine;
  readonly replicaId: string;
  readonly #driver: SqlDriver;
  readonly #box: SecretBox;
  readonly #clock: () => Date;
  readonly #leases: OperationLeases;

  constructor(driver: SqlDriver, options: SqlStorageOptions) {
    this.#driver = driver;
    this.engine = driver.engine;
    this.replicaId = options.replicaId;
    this.#box = options.secretBox;
    this.#clock = options.clock;
    this.#leases = new OperationLeases(driver, { replicaId: options.replicaId, leaseMs: options.operationLeaseMs, clock: options.clock, ...(options.leaseClock !== undefined && { leaseClock: options.leaseClock }) });
  }

  /**
   * Records the key fingerprint on first use and refuses a different key later: replicas (or a restart)
   * with another key would write rows the others cannot read.
   */
  async checkEncryptionKey(): Promise<void> {
    const keyId = this.#box.keyId;
    const stored = await this.#driver.transaction(async (tx) => {
      await tx.run(`INSERT INTO settings (key, value) VALUES ('encryption_key_id', ?) ON CONFLICT (key) DO NOTHING`, [keyId]);
      const rows = await tx.all(`SELECT value FROM settings WHERE key = 'encryption_key_id'`);
      return String(rows[0]?.['value']);
    });
    if (stored !== keyId) {
      throw new ConfigError(
        'OVSB_ENCRYPTION_KEY',
        '',
        `the database's secrets are encrypted with key ${stored} but this broker has key ${keyId}; ` +
          'give every replica the key it was first started with (OVSB_ENCRYPTION_KEY, or copy <data dir>/encryption.key)',
      );
    }
  }

  ping(): Promise<void> {
    return this.#driver.ping();
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  withInstanceLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    return this.#driver.withLock(instanceId, fn);
  }

  withNamedLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    // ':' is not an id character (broker/middleware/ids.ts): no instance id is ever this key.
    return this.#driver.withLock(`lock:${name}`, fn);
  }

  // ---- instances

  async getInstance(instanceId: string): Promise<Instance | undefined> {
    return this.#readInstance(this.#driver, instanceId, false);
  }

  async findInstanceByDashboardId(dashboardId: string): Promise<Instance | undefined> {
    const suffix = `/dashboard/instances/${dashboardId}`;
    // LIKE's wildcards in the id are escaped; SQLite's LIKE ignores case, so the suffix is compared exactly after.
    const pattern = `%${suffix.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
    const rows = await this.#driver.all(`SELECT * FROM instances WHERE dashboard_url LIKE ? ESCAPE '\\' AND state <> 'deprovisioned'`, [pattern]);
    const exact = rows.filter((row) => String(row['dashboard_url']).endsWith(suffix));
    return exact.length === 1 ? decodeInstance(exact[0] as Row, this.#box) : undefined;
  }

  async listInstances(filter: InstanceFilter = {}): Promise<Instance[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (filter.serviceId !== undefined) {
      where.push('service_id = ?');
      params.push(filter.serviceId);
    }
    inList('plan_id', filter.planIds, where, params);
    inList('state', filter.states, where, params);
    const rows = await this.#driver.all(
      `SELECT * FROM instances${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
      params,
    );
    return rows.map((row) => decodeInstance(row, this.#box));
  }

  async updateInstance(instanceId: string, patch: InstancePatch): Promise<Instance> {
    return this.#driver.transaction(async (tx) => {
      const current = await this.#readInstance(tx, instanceId, true);
      if (current === undefined) throw new StorageConflictError({ reason: 'instance-not-found', instanceId });
      const next = patchInstance(current, patch, this.#clock());
      await this.#writeInstance(tx, next);
      return next;
    });
  }

  // ---- bindings

  async getBinding(instanceId: string, bindingId: string): Promise<Binding | undefined> {
    return this.#readBinding(this.#driver, instanceId, bindingId, false);
  }

  async listBindings(instanceId: string, filter: BindingFilter = {}): Promise<Binding[]> {
    const where = ['instance_id = ?'];
    const params: SqlParam[] = [instanceId];
    inList('state', filter.states, where, params);
    const rows = await this.#driver.all(`SELECT * FROM bindings WHERE ${where.join(' AND ')} ORDER BY created_at, id`, params);
    return rows.map((row) => decodeBinding(row, this.#box));
  }

  async findBindingByTokenHash(tokenHash: string): Promise<Binding | undefined> {
    const rows = await this.#driver.all(`SELECT * FROM bindings WHERE token_hash = ?`, [tokenHash]);
    return rows[0] === undefined ? undefined : decodeBinding(rows[0], this.#box);
  }

  async updateBinding(instanceId: string, bindingId: string, patch: BindingPatch): Promise<Binding> {
    return this.#driver.transaction(async (tx) => {
      const current = await this.#readBinding(tx, instanceId, bindingId, true);
      if (current === undefined) throw new StorageConflictError({ reason: 'binding-not-found', instanceId, bindingId });
      const next = patchBinding(current, patch, this.#clock());
      await this.#writeBinding(tx, next);
      return next;
    });
  }

  // ---- operations

  async beginOperation(input: BeginOperationInput): Promise<BeganOperation> {
    try {
      return await this.#driver.transaction((tx) => this.#begin(tx, input));
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      // Another replica won a race the reads above could not see; report what it started.
      throw await this.#conflictAfterRace(input, error);
    }
  }

  async beginProvisionRetry(input: ProvisionRetryInput): Promise<BeganOperation> {
    try {
      return await this.#driver.transaction(async (tx) => {
        const now = this.#clock();
        const current = await this.#readInstance(tx, input.instanceId, true);
        const succeeded =
          current === undefined
            ? []
            : await tx.all(
                `SELECT id FROM operations WHERE instance_id = ? AND binding_id IS NULL AND kind = 'provision' AND state = 'succeeded' AND created_at >= ?`,
                [input.instanceId, current.createdAt.getTime()],
              );
        if (current === undefined || current.state !== 'failed' || succeeded.length > 0) {
          throw new StorageConflictError({ reason: 'instance-exists', instanceId: input.instanceId });
        }
        await this.#refuseIfRunning(tx, input.instanceId, undefined);
        const instance = patchInstance(current, { state: 'provisioning', maintenanceInfoVersion: input.request.maintenanceInfoVersion ?? null }, now);
        await this.#writeInstance(tx, instance);
        const operation = await this.#insertOperation(tx, { ...input, kind: 'provision', instance: current }, instance.id, undefined, current.state, now);
        return { operation, instance };
      });
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      throw await this.#conflictAfterRace({ ...input, kind: 'update' }, error);
    }
  }

  async getOperation(operationId: string): Promise<Operation | undefined> {
    const rows = await this.#driver.all(`SELECT * FROM operations WHERE id = ?`, [operationId]);
    return rows[0] === undefined ? undefined : decodeOperation(rows[0], this.#box);
  }

  async getLatestInstanceOperation(instanceId: string): Promise<Operation | undefined> {
    const rows = await this.#driver.all(
      `SELECT * FROM operations WHERE instance_id = ? AND binding_id IS NULL ORDER BY seq DESC LIMIT 1`,
      [instanceId],
    );
    return rows[0] === undefined ? undefined : decodeOperation(rows[0], this.#box);
  }

  async getLatestBindingOperation(instanceId: string, bindingId: string): Promise<Operation | undefined> {
    const rows = await this.#driver.all(
      `SELECT * FROM operations WHERE instance_id = ? AND binding_id = ? ORDER BY seq DESC LIMIT 1`,
      [instanceId, bindingId],
    );
    return rows[0] === undefined ? undefined : decodeOperation(rows[0], this.#box);
  }

  async getOperationStatus(instanceId: string, bindingId: string | undefined, operationHint: string | undefined): Promise<OperationStatus | undefined> {
    const target = bindingId === undefined ? 'binding_id IS NULL' : 'binding_id = ?';
    const params: SqlParam[] = bindingId === undefined ? [instanceId] : [instanceId, bindingId];
    // The hinted operation first when it is this target's, else the newest: one indexed read either way.
    const order = operationHint === undefined ? 'seq DESC' : 'CASE WHEN id = ? THEN 0 ELSE 1 END, seq DESC';
    if (operationHint !== undefined) params.push(operationHint);
    const rows = await this.#driver.read(
      `SELECT ${OPERATION_STATUS_COLUMNS} FROM operations WHERE instance_id = ? AND ${target} ORDER BY ${order} LIMIT 1`,
      params,
    );
    return rows[0] === undefined ? undefined : decodeOperationStatus(rows[0]);
  }

  async listOperations(query: OperationQuery = {}): Promise<Operation[]> {
    const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw new RangeError(`operation query limit must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${limit}`);
    }
    const where: string[] = [];
    const params: SqlParam[] = [];
    const equals = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    equals('instance_id', query.instanceId);
    equals('binding_id', query.bindingId);
    equals('identity_platform', query.platform);
    inList('kind', query.kinds, where, params);
    inList('state', query.states, where, params);
    if (query.identity !== undefined && Object.keys(query.identity).length > 0) {
      const match = this.#driver.dialect.identityMatches(query.identity);
      where.push(match.sql);
      params.push(...match.params);
    }
    if (query.since !== undefined) {
      where.push('created_at >= ?');
      params.push(query.since.getTime());
    }
    if (query.until !== undefined) {
      where.push('created_at < ?');
      params.push(query.until.getTime());
    }
    const direction = (query.order ?? 'newest-first') === 'newest-first' ? 'DESC' : 'ASC';
    const rows = await this.#driver.all(
      `SELECT * FROM operations${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${direction} LIMIT ${limit}`,
      params,
    );
    return rows.map((row) => decodeOperation(row, this.#box));
  }

  async listClaimableOperations(): Promise<InProgressOperation[]> {
    const rows = await this.#leases.claimableRows();
    return rows.map((row) => decodeOperation(row, this.#box) as InProgressOperation);
  }

  async claimOperation(operationId: string): Promise<InProgressOperation | undefined> {
    if (!(await this.#leases.claim(operationId))) return undefined;
    const claimed = await this.getOperation(operationId);
    // Between the claim and this read only a completion by this replica can change the row.
    return claimed?.state === 'in progress' ? claimed : undefined;
  }

  renewOperationLease(operationId: string): Promise<boolean> {
    return this.#leases.renew(operationId);
  }

  reportProgress(operationId: string, description: string): Promise<boolean> {
    return this.#leases.renew(operationId, description);
  }

  yieldOperation(operationId: string): Promise<void> {
    return this.#leases.yield(operationId);
  }

  listLeaseOwners(): Promise<string[]> {
    return this.#leases.liveOwners();
  }

  get operationLeaseMs(): number {
    return this.#leases.leaseMs;
  }

  async completeOperation(operationId: string, outcome: OperationOutcome): Promise<Operation> {
    return this.#driver.transaction(async (tx) => {
      const rows = await tx.all(`SELECT * FROM operations WHERE id = ?${this.#driver.dialect.forUpdate}`, [operationId]);
      const row = rows[0];
      if (row === undefined || row['state'] !== 'in progress') {
        throw new StorageConflictError({ reason: 'operation-not-in-progress', operationId });
      }
      const owner = row['owner'] === null ? undefined : String(row['owner']);
      if (owner !== undefined && owner !== this.replicaId) {
        throw new StorageConflictError({ reason: 'lease-lost', operationId, owner });
      }
      const operation = decodeOperation(row, this.#box);
      const now = this.#clock();
      const failed = outcome.state === 'failed';
      const updateOrDeprovision = operation.kind === 'update' || operation.kind === 'deprovision';
      const instanceUsable = failed && updateOrDeprovision ? outcome.instanceUsable : undefined;
      const updateRepeatable = failed && operation.kind === 'update' ? outcome.updateRepeatable : undefined;
      await tx.run(
        `UPDATE operations SET state = ?, description = ?, finished_at = ?, updated_at = ?,
           instance_usable = ?, update_repeatable = ?, owner = NULL, lease_expires_at = NULL
         WHERE id = ?`,
        [outcome.state, outcome.description, now.getTime(), now.getTime(), instanceUsable ?? null, updateRepeatable ?? null, operationId],
      );

      const settlement = settle({
        kind: operation.kind,
        request: operation.request,
        outcome: outcome.state,
        ...(instanceUsable !== undefined && { instanceUsable }),
        ...(row['prior_state'] !== null && { priorState: String(row['prior_state']) as InstanceState | BindingState }),
      });
      const instancePatch = { ...settlement.instance, ...outcome.instance };
      if (Object.keys(instancePatch).length > 0) {
        const instance = await this.#readInstance(tx, operation.instanceId, true);
        if (instance !== undefined) await this.#writeInstance(tx, patchInstance(instance, instancePatch, now));
      }
      if (operation.bindingId !== undefined) {
        const bindingPatch = { ...settlement.binding, ...outcome.binding };
        const binding = await this.#readBinding(tx, operation.instanceId, operation.bindingId, true);
        if (binding !== undefined) await this.#writeBinding(tx, patchBinding(binding, bindingPatch, now));
      }
      if (settlement.revokeBindings) {
        const live = await tx.all(`SELECT * FROM bindings WHERE instance_id = ? AND state <> 'deleted'${this.#driver.dialect.forUpdate}`, [
          operation.instanceId,
        ]);
        for (const bindingRow of live) {
          await this.#writeBinding(tx, patchBinding(decodeBinding(bindingRow, this.#box), { state: 'deleted' }, now));
        }
      }
      const finished = await tx.all(`SELECT * FROM operations WHERE id = ?`, [operationId]);
      return decodeOperation(finished[0] as Row, this.#box);
    });
  }

  // ---- retention

  pruneRetired(before: Date): Promise<PruneResult> {
    return pruneRetired(this.#driver, before);
  }

  // ---- internals

  async #begin(tx: SqlExecutor, input: BeginOperationInput): Promise<BeganOperation> {
    const now = this.#clock();
    switch (input.kind) {
      case 'provision': {
        const existing = await this.#readInstance(tx, input.instance.id, true);
        if (existing !== undefined && existing.state !== 'deprovisioned') {
          throw new StorageConflictError({ reason: 'instance-exists', instanceId: input.instance.id });
        }
        const instance = await this.#insertInstance(tx, input.instance, now);
        const operation = await this.#insertOperation(tx, input, instance.id, undefined, undefined, now);
        return { operation, instance };
      }
      case 'update':
      case 'deprovision': {
        const current = await this.#readInstance(tx, input.instanceId, true);
        if (current === undefined || current.state === 'deprovisioned') {
          throw new StorageConflictError({ reason: 'instance-not-found', instanceId: input.instanceId });
        }
        await this.#refuseIfRunning(tx, input.instanceId, undefined);
        const instance = patchInstance(current, { state: input.kind === 'update' ? 'updating' : 'deprovisioning' }, now);
        await this.#writeInstance(tx, instance);
        const operation = await this.#insertOperation(tx, input, instance.id, undefined, current.state, now);
        return { operation, instance };
      }
      case 'bind': {
        const { instanceId, id: bindingId } = input.binding;
        const instance = await this.#readInstance(tx, instanceId, true);
        if (instance === undefined || instance.state === 'deprovisioned') {
          throw new StorageConflictError({ reason: 'instance-not-found', instanceId });
        }
        const existing = await this.#readBinding(tx, instanceId, bindingId, true);
        if (existing !== undefined && existing.state !== 'deleted') {
          throw new StorageConflictError({ reason: 'binding-exists', instanceId, bindingId });
        }
        const binding = await this.#insertBinding(tx, input.binding, now);
        const operation = await this.#insertOperation(tx, input, instanceId, bindingId, undefined, now);
        return { operation, instance, binding };
      }
      case 'unbind': {
        const { instanceId, bindingId } = input;
        const instance = await this.#readInstance(tx, instanceId, false);
        const current = await this.#readBinding(tx, instanceId, bindingId, true);
        if (instance === undefined || current === undefined || current.state === 'deleted') {
          throw new StorageConflictError({ reason: 'binding-not-found', instanceId, bindingId });
        }
        await this.#refuseIfRunning(tx, instanceId, bindingId);
        const binding = patchBinding(current, { state: 'deleting' }, now);
        await this.#writeBinding(tx, binding);
        const operation = await this.#insertOperation(tx, input, instanceId, bindingId, current.state, now);
        return { operation, instance, binding };
      }
    }
  }

  async #runningOperationId(db: SqlExecutor, instanceId: string, bindingId: string | undefined): Promise<string | undefined> {
    const rows =
      bindingId === undefined
        ? await db.all(`SELECT id FROM operations WHERE instance_id = ? AND binding_id IS NULL AND state = 'in progress'`, [instanceId])
        : await db.all(`SELECT id FROM operations WHERE instance_id = ? AND binding_id = ? AND state = 'in progress'`, [
            instanceId,
            bindingId,
          ]);
    return rows[0] === undefined ? undefined : String(rows[0]['id']);
  }

  async #refuseIfRunning(tx: SqlExecutor, instanceId: string, bindingId: string | undefined): Promise<void> {
    const operationId = await this.#runningOperationId(tx, instanceId, bindingId);
    if (operationId !== undefined) {
      throw new StorageConflictError({
        reason: 'operation-in-progress',
        instanceId,
        ...(bindingId !== undefined && { bindingId }),
        operationId,
      });
    }
  }

  /** After a unique-index refusal: name what exists now (the rolled-back transaction wrote nothing). */
  async #conflictAfterRace(input: BeginOperationInput, violation: UniqueViolation): Promise<Error> {
    const instanceId = input.kind === 'provision' ? input.instance.id : input.kind === 'bind' ? input.binding.instanceId : input.instanceId;
    const bindingId = input.kind === 'bind' ? input.binding.id : input.kind === 'unbind' ? input.bindingId : undefined;
    const operationId = await this.#runningOperationId(this.#driver, instanceId, bindingId);
    if (operationId !== undefined) {
      return new StorageConflictError({
        reason: 'operation-in-progress',
        instanceId,
        ...(bindingId !== undefined && { bindingId }),
        operationId,
      });
    }
    if (input.kind === 'provision') return new StorageConflictError({ reason: 'instance-exists', instanceId });
    if (input.kind === 'bind' && bindingId !== undefined) {
      return new StorageConflictError({ reason: 'binding-exists', instanceId, bindingId });
    }
    return violation;
  }

  async #readInstance(db: SqlExecutor, instanceId: string, lock: boolean): Promise<Instance | undefined> {
    const rows = await db.all(`SELECT * FROM instances WHERE id = ?${lock ? this.#driver.dialect.forUpdate : ''}`, [instanceId]);
    return rows[0] === undefined ? undefined : decodeInstance(rows[0], this.#box);
  }

  async #readBinding(db: SqlExecutor, instanceId: string, bindingId: string, lock: boolean): Promise<Binding | undefined> {
    const rows = await db.all(`SELECT * FROM bindings WHERE instance_id = ? AND id = ?${lock ? this.#driver.dialect.forUpdate : ''}`, [
      instanceId,
      bindingId,
    ]);
    return rows[0] === undefined ? undefined : decodeBinding(rows[0], this.#box);
  }

  /** Inserts, or replaces a `deprovisioned` tombstone (a new incarnation); refuses a live row. */
  async #insertInstance(tx: SqlExecutor, input: NewInstance, now: Date): Promise<Instance> {
    const instance: Instance = {
      id: input.id,
      serviceId: input.serviceId,
      planId: input.planId,
      parameters: input.parameters,
      context: input.context,
      ...(input.maintenanceInfoVersion !== undefined && { maintenanceInfoVersion: input.maintenanceInfoVersion }),
      state: 'provisioning',
      outputs: {},
      ...(input.dashboardUrl !== undefined && { dashboardUrl: input.dashboardUrl }),
      createdAt: now,
      updatedAt: now,
    };
    const changed = await tx.run(
      `INSERT INTO instances (id, service_id, plan_id, parameters_enc, context, maintenance_info_version, state, outputs_enc,
         dashboard_url, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, plan_id = excluded.plan_id,
         parameters_enc = excluded.parameters_enc, context = excluded.context,
         maintenance_info_version = excluded.maintenance_info_version, state = excluded.state,
         outputs_enc = excluded.outputs_enc, dashboard_url = excluded.dashboard_url,
         created_at = excluded.created_at, updated_at = excluded.updated_at
       WHERE instances.state = 'deprovisioned'`,
      [
        instance.id,
        instance.serviceId,
        instance.planId,
        this.#box.sealJson(instance.parameters, instanceAad(instance.id, 'parameters')),
        JSON.stringify(instance.context),
        instance.maintenanceInfoVersion ?? null,
        instance.state,
        this.#box.sealJson(instance.outputs, instanceAad(instance.id, 'outputs')),
        instance.dashboardUrl ?? null,
        now.getTime(),
        now.getTime(),
      ],
    );
    if (changed === 0) throw new StorageConflictError({ reason: 'instance-exists', instanceId: input.id });
    return instance;
  }

  async #writeInstance(tx: SqlExecutor, instance: Instance): Promise<void> {
    await tx.run(
      `UPDATE instances SET plan_id = ?, parameters_enc = ?, context = ?, maintenance_info_version = ?, state = ?,
         outputs_enc = ?, dashboard_url = ?, updated_at = ?
       WHERE id = ?`,
      [
        instance.planId,
        this.#box.sealJson(instance.parameters, instanceAad(instance.id, 'parameters')),
        JSON.stringify(instance.context),
        instance.maintenanceInfoVersion ?? null,
        instance.state,
        this.#box.sealJson(instance.outputs, instanceAad(instance.id, 'outputs')),
        instance.dashboardUrl ?? null,
        instance.updatedAt.getTime(),
        instance.id,
      ],
    );
  }

  /** Inserts, or replaces a `deleted` tombstone; refuses a live row. */
  async #insertBinding(tx: SqlExecutor, input: NewBinding, now: Date): Promise<Binding> {
    const binding: Binding = {
      id: input.id,
      instanceId: input.instanceId,
      serviceId: input.serviceId,
      planId: input.planId,
      parameters: input.parameters,
      context: input.context,
      ...(input.bindResource !== undefined && { bindResource: input.bindResource }),
      credentials: {},
      endpoints: [],
      scopes: input.scopes ?? [],
      state: 'creating',
      createdAt: now,
      updatedAt: now,
    };
    const changed = await tx.run(
      `INSERT INTO bindings (instance_id, id, service_id, plan_id, parameters_enc, context, bind_resource, credentials_enc,
         endpoints, token_hash, scopes, state, created_at, updated_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL)
       ON CONFLICT (instance_id, id) DO UPDATE SET service_id = excluded.service_id, plan_id = excluded.plan_id,
         parameters_enc = excluded.parameters_enc, context = excluded.context, bind_resource = excluded.bind_resource,
         credentials_enc = excluded.credentials_enc, endpoints = excluded.endpoints, token_hash = NULL,
         scopes = excluded.scopes, state = excluded.state, created_at = excluded.created_at,
         updated_at = excluded.updated_at, revoked_at = NULL
       WHERE bindings.state = 'deleted'`,
      [
        binding.instanceId,
        binding.id,
        binding.serviceId,
        binding.planId,
        this.#box.sealJson(binding.parameters, bindingAad(binding.instanceId, binding.id, 'parameters')),
        JSON.stringify(binding.context),
        binding.bindResource === undefined ? null : JSON.stringify(binding.bindResource),
        this.#box.sealJson(binding.credentials, bindingAad(binding.instanceId, binding.id, 'credentials')),
        JSON.stringify(binding.endpoints),
        JSON.stringify(binding.scopes),
        binding.state,
        now.getTime(),
        now.getTime(),
      ],
    );
    if (changed === 0) throw new StorageConflictError({ reason: 'binding-exists', instanceId: input.instanceId, bindingId: input.id });
    return binding;
  }

  async #writeBinding(tx: SqlExecutor, binding: Binding): Promise<void> {
    await tx.run(
      `UPDATE bindings SET credentials_enc = ?, endpoints = ?, token_hash = ?, scopes = ?, state = ?, updated_at = ?, revoked_at = ?
       WHERE instance_id = ? AND id = ?`,
      [
        this.#box.sealJson(binding.credentials, bindingAad(binding.instanceId, binding.id, 'credentials')),
        JSON.stringify(binding.endpoints),
        binding.tokenHash ?? null,
        JSON.stringify(binding.scopes),
        binding.state,
        binding.updatedAt.getTime(),
        binding.revokedAt?.getTime() ?? null,
        binding.instanceId,
        binding.id,
      ],
    );
  }

  async #insertOperation(
    tx: SqlExecutor,
    input: BeginOperationInput,
    instanceId: string,
    bindingId: string | undefined,
    priorState: InstanceState | BindingState | undefined,
    now: Date,
  ): Promise<InProgressOperation> {
    const id = newOperationId();
    await tx.run(
      `INSERT INTO operations (id, instance_id, binding_id, kind, service_id, plan_id, request_enc, state, description, attempts,
         prior_state, identity_platform, identity_value, request_identity, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'in progress', ?, 0, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        instanceId,
        bindingId ?? null,
        input.kind,
        input.request.serviceId,
        input.request.planId,
        this.#box.sealJson(input.request, operationAad(id)),
        input.description,
        priorState ?? null,
        input.originatingIdentity?.platform ?? null,
        input.originatingIdentity === undefined ? null : JSON.stringify(input.originatingIdentity.value),
        input.requestIdentity ?? null,
        now.getTime(),
        now.getTime(),
      ],
    );
    return {
      id,
      instanceId,
      ...(bindingId !== undefined && { bindingId }),
      kind: input.kind,
      request: input.request,
      ...(input.originatingIdentity !== undefined && { originatingIdentity: input.originatingIdentity }),
      ...(input.requestIdentity !== undefined && { requestIdentity: input.requestIdentity }),
      createdAt: now,
      updatedAt: now,
      state: 'in progress',
      description: input.description,
      attempts: 0,
      startedAt: now,
    };
  }
}
