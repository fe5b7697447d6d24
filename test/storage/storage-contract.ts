/**
 * The Storage contract, run against every engine (sqlite.test.ts, postgres.test.ts). Each test gets a
 * fresh database; "replicas" are separate Storage objects opened on the same database.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptionError, hashToken } from '../../src/crypto';
import { ConfigError } from '../../src/errors';
import { replicaIdFor } from '../../src/operations/replica';
import { LIVE_INSTANCE_STATES, type OperationRequest } from '../../src/operations/types';
import {
  LockTimeoutError,
  MIGRATIONS,
  StorageConflictError,
  openStorage,
  type OpenStorageOptions,
  type Storage,
  type StorageConflictReason,
} from '../../src/storage';

export type RawRow = Record<string, unknown>;

export interface TestDatabase {
  /** dataDir / databaseUrl selecting this database. */
  readonly location: Pick<OpenStorageOptions, 'dataDir' | 'databaseUrl'>;
  /** Reads rows bypassing Storage (to inspect what is really at rest). */
  raw(sql: string): Promise<RawRow[]>;
  /** Runs a statement bypassing Storage (to tamper with rows). */
  exec(sql: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface ContractTarget {
  readonly engine: Storage['engine'];
  freshDatabase(): Promise<TestDatabase>;
}

/** A clock tests move by hand, so lease expiry is decided by the test, not by waiting. */
class ManualClock {
  #now = Date.parse('2025-01-01T00:00:00.000Z');
  readonly read = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now += ms;
  }
}

const LEASE_MS = 30_000;
const SECRET = 'jwt-0123456789abcdef-super-secret';
const KEY = randomBytes(32);

const request = (planId = 'plan-a', parameters: Record<string, string | number> = { validators: 2 }): OperationRequest => ({
  serviceId: 'svc',
  planId,
  parameters,
});

const identity = (platform: string, value: Record<string, string>) => ({ platform, value });

async function conflictOf(promise: Promise<unknown>): Promise<StorageConflictReason> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageConflictError);
  return (error as StorageConflictError).reason;
}

export function storageContract(target: ContractTarget): void {
  describe(`Storage contract (${target.engine})`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });

    async function database(): Promise<TestDatabase> {
      const db = await target.freshDatabase();
      cleanups.push(() => db.dispose());
      return db;
    }

    async function replica(db: TestDatabase, options: Partial<OpenStorageOptions> = {}): Promise<Storage> {
      const storage = await openStorage({
        ...db.location,
        secretBox: new SecretBox(KEY),
        operationLeaseMs: LEASE_MS,
        ...options,
      });
      // Close before the database is disposed (cleanups run last-in first-out).
      cleanups.push(() => storage.close());
      return storage;
    }

    async function setup() {
      const db = await database();
      const clock = new ManualClock();
      const storage = await replica(db, { clock: clock.read });
      return { db, clock, storage };
    }

    async function provisioned(storage: Storage, instanceId: string, planId = 'plan-a') {
      const { operation } = await storage.beginOperation({
        kind: 'provision',
        instance: { id: instanceId, serviceId: 'svc', planId, parameters: { validators: 2 }, context: { platform: 'kubernetes' } },
        request: request(planId),
        description: 'Queued',
      });
      await storage.completeOperation(operation.id, {
        state: 'succeeded',
        description: 'Provisioned',
        instance: { outputs: { jwt: SECRET, rpc: 'http://el:8545' } },
      });
    }

    describe('migrations', () => {
      it('GIVEN a migrated database WHEN opened again THEN nothing is re-applied', async () => {
        const db = await database();
        await (await replica(db)).close();
        const first = await db.raw('SELECT version, applied_at FROM schema_migrations ORDER BY version');
        await (await replica(db)).close();
        const second = await db.raw('SELECT version, applied_at FROM schema_migrations ORDER BY version');
        expect(first.map((row) => Number(row['version']))).toEqual(MIGRATIONS.map((m) => m.version));
        expect(second).toEqual(first);
      });

      it('GIVEN two replicas opening an empty database at once THEN both succeed and migrate once', async () => {
        const db = await database();
        await Promise.all([replica(db), replica(db)]);
        const rows = await db.raw('SELECT version FROM schema_migrations');
        expect(rows).toHaveLength(MIGRATIONS.length);
      });

      it('GIVEN a schema newer than this release WHEN opened THEN a ConfigError names the versions', async () => {
        const db = await database();
        await (await replica(db)).close();
        await db.exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`);
        await expect(replica(db)).rejects.toThrow(/version 999 .* up to 1/);
      });

      it('GIVEN a database written with one key WHEN opened with another THEN a ConfigError says so', async () => {
        const db = await database();
        await (await replica(db)).close();
        const error = await replica(db, { secretBox: new SecretBox(randomBytes(32)) }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).source).toBe('OVSB_ENCRYPTION_KEY');
      });
    });

    describe('instances and operations', () => {
      it('GIVEN a provision WHEN begun, claimed, progressed and succeeded THEN instance and operation follow', async () => {
        const { storage, clock } = await setup();
        const began = await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: { validators: 4 }, context: { platform: 'cloudfoundry' } },
          request: request('plan-a', { validators: 4 }),
          description: 'Queued',
          originatingIdentity: identity('cloudfoundry', { user_id: 'u-1' }),
          requestIdentity: 'req-1',
        });
        expect(began.instance).toMatchObject({ id: 'i-1', state: 'provisioning', outputs: {}, parameters: { validators: 4 } });
        expect(began.operation).toMatchObject({ kind: 'provision', state: 'in progress', attempts: 0, description: 'Queued' });
        expect(began.operation.id).toMatch(/^op-[A-Za-z0-9_-]+$/);

        const claimed = await storage.claimOperation(began.operation.id);
        expect(claimed).toMatchObject({ attempts: 1, owner: storage.replicaId });
        expect(claimed?.leaseExpiresAt?.getTime()).toBe(clock.read().getTime() + LEASE_MS);
        expect(await storage.reportProgress(began.operation.id, 'applying 3/7: terraform_data.el')).toBe(true);
        expect(await storage.getLatestInstanceOperation('i-1')).toMatchObject({
          state: 'in progress',
          description: 'applying 3/7: terraform_data.el',
        });

        clock.advance(1000);
        const done = await storage.completeOperation(began.operation.id, {
          state: 'succeeded',
          description: 'Provisioned',
          instance: { outputs: { jwt: SECRET }, dashboardUrl: 'http://broker/dashboard/i-1' },
        });
        expect(done).toMatchObject({ state: 'succeeded', description: 'Provisioned', finishedAt: clock.read() });
        expect(done.owner).toBeUndefined();
        expect(done).toMatchObject({
          originatingIdentity: { platform: 'cloudfoundry', value: { user_id: 'u-1' } },
          requestIdentity: 'req-1',
          request: { planId: 'plan-a', parameters: { validators: 4 } },
        });
        expect(await storage.getInstance('i-1')).toMatchObject({
          state: 'provisioned',
          outputs: { jwt: SECRET },
          dashboardUrl: 'http://broker/dashboard/i-1',
        });
      });

      it('GIVEN an existing instance WHEN provisioned again THEN instance-exists', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const again = storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'plan-b', parameters: {}, context: {} },
          request: request('plan-b'),
          description: 'Queued',
        });
        expect(await conflictOf(again)).toBe('instance-exists');
      });

      it('GIVEN an operation in progress WHEN another instance operation begins THEN operation-in-progress names it', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const { operation } = await storage.beginOperation({ kind: 'update', instanceId: 'i-1', request: request('plan-b'), description: 'Queued' });
        const error = await storage
          .beginOperation({ kind: 'deprovision', instanceId: 'i-1', request: request(), description: 'Queued' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageConflictError);
        expect((error as StorageConflictError).conflict).toEqual({ reason: 'operation-in-progress', instanceId: 'i-1', operationId: operation.id });
        expect((await storage.getInstance('i-1'))?.state).toBe('updating');
      });

      it('GIVEN two replicas WHEN both begin a provision of one id at once THEN exactly one wins', async () => {
        const { db, storage } = await setup();
        const other = await replica(db);
        const begin = (s: Storage) =>
          s.beginOperation({
            kind: 'provision',
            instance: { id: 'i-race', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
            request: request(),
            description: 'Queued',
          });
        const results = await Promise.allSettled([begin(storage), begin(other), begin(storage), begin(other)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const result of results.filter((r) => r.status === 'rejected')) {
          expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StorageConflictError);
        }
        expect(await storage.listOperations({ instanceId: 'i-race' })).toHaveLength(1);
      });

      it('GIVEN two replicas WHEN both begin an update at once THEN one runs and the other is refused', async () => {
        const { db, storage } = await setup();
        await provisioned(storage, 'i-1');
        const other = await replica(db);
        const update = (s: Storage) => s.beginOperation({ kind: 'update', instanceId: 'i-1', request: request('plan-b'), description: 'Queued' });
        const results = await Promise.allSettled([update(storage), update(other), update(other)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const result of results.filter((r) => r.status === 'rejected')) {
          expect(((result as PromiseRejectedResult).reason as StorageConflictError).reason).toBe('operation-in-progress');
        }
      });

      it('GIVEN an update WHEN it succeeds THEN the requested plan and parameters take effect', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const { operation } = await storage.beginOperation({
          kind: 'update',
          instanceId: 'i-1',
          request: { ...request('plan-b', { validators: 9 }), previousPlanId: 'plan-a', maintenanceInfoVersion: '2.0.0' },
          description: 'Queued',
        });
        expect(await storage.getInstance('i-1')).toMatchObject({ planId: 'plan-a', state: 'updating' });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'Updated' });
        expect(await storage.getInstance('i-1')).toMatchObject({
          planId: 'plan-b',
          parameters: { validators: 9 },
          maintenanceInfoVersion: '2.0.0',
          state: 'provisioned',
          outputs: { jwt: SECRET },
        });
      });

      it('GIVEN an update without parameters WHEN it succeeds THEN the instance keeps its parameters', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const { operation } = await storage.beginOperation({
          kind: 'update',
          instanceId: 'i-1',
          request: { serviceId: 'svc', planId: 'plan-b' },
          description: 'Queued',
        });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'Updated' });
        expect(await storage.getInstance('i-1')).toMatchObject({ planId: 'plan-b', parameters: { validators: 2 } });
      });

      it.each([
        { instanceUsable: false, expected: 'failed' },
        { instanceUsable: true, expected: 'provisioned' },
        { instanceUsable: undefined, expected: 'provisioned' },
      ] as const)('GIVEN a failed update with instanceUsable=$instanceUsable THEN instance is $expected and unchanged', async ({ instanceUsable, expected }) => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const { operation } = await storage.beginOperation({ kind: 'update', instanceId: 'i-1', request: request('plan-b'), description: 'Queued' });
        const failed = await storage.completeOperation(operation.id, {
          state: 'failed',
          description: 'terraform apply failed: provider missing',
          ...(instanceUsable !== undefined && { instanceUsable }),
          updateRepeatable: false,
        });
        expect(failed).toMatchObject({ state: 'failed', updateRepeatable: false });
        expect(failed.state === 'failed' && failed.instanceUsable).toBe(instanceUsable ?? undefined);
        expect(await storage.getInstance('i-1')).toMatchObject({ state: expected, planId: 'plan-a' });
      });

      it('GIVEN a failed provision WHEN it fails THEN the instance is failed and instance_usable is not recorded', async () => {
        const { storage } = await setup();
        const { operation } = await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
        });
        const failed = await storage.completeOperation(operation.id, { state: 'failed', description: 'boom', instanceUsable: false });
        expect(failed).not.toHaveProperty('instanceUsable');
        expect((await storage.getInstance('i-1'))?.state).toBe('failed');
        // OSB orphan mitigation: a DELETE follows a failed provision.
        const { operation: deprovision } = await storage.beginOperation({ kind: 'deprovision', instanceId: 'i-1', request: request(), description: 'Queued' });
        await storage.completeOperation(deprovision.id, { state: 'failed', description: 'destroy failed' });
        expect((await storage.getInstance('i-1'))?.state).toBe('failed');
      });

      it('GIVEN several operations WHEN their status is read THEN the hint wins only for its own target, else the newest', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        await provisioned(storage, 'i-2');
        const provision = await storage.getLatestInstanceOperation('i-1');
        const { operation: update } = await storage.beginOperation({ kind: 'update', instanceId: 'i-1', request: request('plan-b'), description: 'Queued' });
        await storage.completeOperation(update.id, { state: 'failed', description: 'apply failed', instanceUsable: false, updateRepeatable: true });
        const { operation: bind } = await storage.beginOperation({
          kind: 'bind',
          binding: { id: 'b-1', instanceId: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {}, scopes: [] },
          request: request(),
          description: 'Binding',
        });

        // WHEN no hint THEN the newest instance operation, with its failure flags; bindings are apart.
        expect(await storage.getOperationStatus('i-1', undefined, undefined)).toEqual({
          id: update.id,
          kind: 'update',
          state: 'failed',
          description: 'apply failed',
          instanceUsable: false,
          updateRepeatable: true,
        });
        // WHEN the hint names an older operation of the instance THEN that one.
        expect(await storage.getOperationStatus('i-1', undefined, provision!.id)).toEqual({
          id: provision!.id,
          kind: 'provision',
          state: 'succeeded',
          description: 'Provisioned',
        });
        // WHEN the hint is another instance's, a binding's or unknown THEN it is ignored.
        const i2 = await storage.getLatestInstanceOperation('i-2');
        for (const hint of [i2!.id, bind.id, 'op-unknown']) {
          expect((await storage.getOperationStatus('i-1', undefined, hint))?.id).toBe(update.id);
        }
        // Binding operations are read per binding.
        expect(await storage.getOperationStatus('i-1', 'b-1', undefined)).toEqual({ id: bind.id, kind: 'bind', state: 'in progress', description: 'Binding' });
        expect(await storage.getOperationStatus('i-1', 'b-1', update.id)).toMatchObject({ id: bind.id });
        expect(await storage.getOperationStatus('i-1', 'b-2', undefined)).toBeUndefined();
        expect(await storage.getOperationStatus('i-3', undefined, undefined)).toBeUndefined();
      });

      it('GIVEN a finished operation WHEN completed again THEN operation-not-in-progress', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const latest = await storage.getLatestInstanceOperation('i-1');
        expect(await conflictOf(storage.completeOperation(latest!.id, { state: 'failed', description: 'late' }))).toBe('operation-not-in-progress');
        expect(await conflictOf(storage.completeOperation('op-unknown', { state: 'failed', description: 'x' }))).toBe('operation-not-in-progress');
      });

      it('GIVEN instances in several plans and states WHEN listed with filters THEN only matching ones return', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-a1', 'plan-a');
        await provisioned(storage, 'i-a2', 'plan-a');
        await provisioned(storage, 'i-b1', 'plan-b');
        const { operation } = await storage.beginOperation({ kind: 'deprovision', instanceId: 'i-a2', request: request(), description: 'Queued' });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'Deprovisioned' });

        const ids = async (filter: Parameters<Storage['listInstances']>[0]) => (await storage.listInstances(filter)).map((i) => i.id).sort();
        expect(await ids({})).toEqual(['i-a1', 'i-a2', 'i-b1']);
        expect(await ids({ planIds: ['plan-a'], states: LIVE_INSTANCE_STATES })).toEqual(['i-a1']);
        expect(await ids({ states: ['deprovisioned'] })).toEqual(['i-a2']);
        expect(await ids({ planIds: [] })).toEqual([]);
        expect(await ids({ serviceId: 'other' })).toEqual([]);
      });

      it('GIVEN an instance WHEN updated directly THEN the patch applies and null clears', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        await storage.updateInstance('i-1', { dashboardUrl: 'http://d/1', context: { platform: 'kubernetes', namespace: 'ns' } });
        const cleared = await storage.updateInstance('i-1', { dashboardUrl: null });
        expect(cleared.dashboardUrl).toBeUndefined();
        expect(await storage.getInstance('i-1')).toMatchObject({ context: { namespace: 'ns' }, outputs: { jwt: SECRET } });
        expect(await conflictOf(storage.updateInstance('nope', {}))).toBe('instance-not-found');
      });
    });

    describe('tombstones', () => {
      it('GIVEN a deprovision WHEN it succeeds THEN a tombstone remains, outputs erased, bindings revoked', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const bind = await storage.beginOperation({
          kind: 'bind',
          binding: { id: 'b-1', instanceId: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
          request: request(),
          description: 'Binding',
        });
        await storage.completeOperation(bind.operation.id, {
          state: 'succeeded',
          description: 'Bound',
          binding: { credentials: { token: 'tok' }, tokenHash: hashToken('tok') },
        });
        const { operation } = await storage.beginOperation({ kind: 'deprovision', instanceId: 'i-1', request: request(), description: 'Queued' });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'Deprovisioned' });

        expect(await storage.getInstance('i-1')).toMatchObject({ state: 'deprovisioned', outputs: {} });
        expect(await storage.getLatestInstanceOperation('i-1')).toMatchObject({ kind: 'deprovision', state: 'succeeded' });
        const revoked = await storage.findBindingByTokenHash(hashToken('tok'));
        expect(revoked).toMatchObject({ state: 'deleted', credentials: {} });
        expect(revoked?.revokedAt).toBeInstanceOf(Date);
        for (const kind of ['update', 'deprovision'] as const) {
          expect(await conflictOf(storage.beginOperation({ kind, instanceId: 'i-1', request: request(), description: 'x' }))).toBe('instance-not-found');
        }
      });

      it('GIVEN a tombstone WHEN the same id is provisioned again THEN a new incarnation starts and the audit trail keeps both', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const { operation } = await storage.beginOperation({ kind: 'deprovision', instanceId: 'i-1', request: request(), description: 'Queued' });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'Deprovisioned' });

        const again = await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'plan-c', parameters: { validators: 1 }, context: {} },
          request: request('plan-c', { validators: 1 }),
          description: 'Queued',
        });
        expect(again.instance).toMatchObject({ state: 'provisioning', planId: 'plan-c', outputs: {} });
        expect(await storage.getLatestInstanceOperation('i-1')).toMatchObject({ id: again.operation.id, kind: 'provision' });
        const kinds = (await storage.listOperations({ instanceId: 'i-1', order: 'oldest-first' })).map((o) => o.kind);
        expect(kinds).toEqual(['provision', 'deprovision', 'provision']);
      });
    });

    describe('bindings', () => {
      it('GIVEN a provisioned instance WHEN bound and unbound THEN credentials live only between', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const began = await storage.beginOperation({
          kind: 'bind',
          binding: {
            id: 'b-1',
            instanceId: 'i-1',
            serviceId: 'svc',
            planId: 'plan-a',
            parameters: { scopes: 'read' },
            context: { platform: 'kubernetes' },
            bindResource: { app_guid: 'app-1' },
            scopes: ['pool:validator.i-1:read.basic'],
          },
          request: { ...request(), bindResource: { app_guid: 'app-1' } },
          description: 'Binding',
          originatingIdentity: identity('kubernetes', { username: 'alice' }),
        });
        expect(began.binding).toMatchObject({ state: 'creating', credentials: {}, endpoints: [] });
        expect(await conflictOf(
          storage.beginOperation({
            kind: 'bind',
            binding: { id: 'b-1', instanceId: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
            request: request(),
            description: 'Binding',
          }),
        )).toBe('binding-exists');

        const token = 'ovsb_token-for-b-1';
        await storage.completeOperation(began.operation.id, {
          state: 'succeeded',
          description: 'Bound',
          binding: {
            credentials: { jwt: SECRET, token, rpc: 'http://el:8545' },
            endpoints: [{ host: 'el', ports: ['8545'], protocol: 'tcp' }],
            tokenHash: hashToken(token),
          },
        });
        const bound = await storage.getBinding('i-1', 'b-1');
        expect(bound).toMatchObject({
          state: 'created',
          credentials: { jwt: SECRET, token },
          endpoints: [{ host: 'el', ports: ['8545'] }],
          scopes: ['pool:validator.i-1:read.basic'],
          bindResource: { app_guid: 'app-1' },
          parameters: { scopes: 'read' },
        });
        expect((await storage.findBindingByTokenHash(hashToken(token)))?.id).toBe('b-1');
        expect(await storage.getLatestBindingOperation('i-1', 'b-1')).toMatchObject({ kind: 'bind', state: 'succeeded', bindingId: 'b-1' });
        expect(await storage.getLatestInstanceOperation('i-1')).toMatchObject({ kind: 'provision' });

        const unbind = await storage.beginOperation({ kind: 'unbind', instanceId: 'i-1', bindingId: 'b-1', request: request(), description: 'Unbinding' });
        expect(unbind.binding?.state).toBe('deleting');
        await storage.completeOperation(unbind.operation.id, { state: 'succeeded', description: 'Unbound' });
        const gone = await storage.getBinding('i-1', 'b-1');
        expect(gone).toMatchObject({ state: 'deleted', credentials: {}, tokenHash: hashToken(token) });
        expect(gone?.revokedAt).toBeInstanceOf(Date);
        expect(await conflictOf(
          storage.beginOperation({ kind: 'unbind', instanceId: 'i-1', bindingId: 'b-1', request: request(), description: 'x' }),
        )).toBe('binding-not-found');
        expect(await storage.listBindings('i-1', { states: ['created'] })).toEqual([]);
        expect((await storage.listBindings('i-1')).map((b) => b.id)).toEqual(['b-1']);

        const rebound = await storage.beginOperation({
          kind: 'bind',
          binding: { id: 'b-1', instanceId: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
          request: request(),
          description: 'Binding',
        });
        expect(rebound.binding).toMatchObject({ state: 'creating', scopes: [] });
        expect(rebound.binding?.tokenHash).toBeUndefined();
        expect(rebound.binding?.revokedAt).toBeUndefined();
      });

      it('GIVEN no instance or a tombstone WHEN bound THEN instance-not-found', async () => {
        const { storage } = await setup();
        const bind = (instanceId: string) =>
          storage.beginOperation({
            kind: 'bind',
            binding: { id: 'b-1', instanceId, serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
            request: request(),
            description: 'Binding',
          });
        expect(await conflictOf(bind('nope'))).toBe('instance-not-found');
        await provisioned(storage, 'i-1');
        const { operation } = await storage.beginOperation({ kind: 'deprovision', instanceId: 'i-1', request: request(), description: 'Queued' });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'Deprovisioned' });
        expect(await conflictOf(bind('i-1'))).toBe('instance-not-found');
      });

      it('GIVEN a binding WHEN a failed unbind completes THEN the binding stays usable', async () => {
        const { storage } = await setup();
        await provisioned(storage, 'i-1');
        const bind = await storage.beginOperation({
          kind: 'bind',
          binding: { id: 'b-1', instanceId: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
          request: request(),
          description: 'Binding',
        });
        await storage.completeOperation(bind.operation.id, { state: 'succeeded', description: 'Bound', binding: { credentials: { a: 1 } } });
        const unbind = await storage.beginOperation({ kind: 'unbind', instanceId: 'i-1', bindingId: 'b-1', request: request(), description: 'x' });
        await storage.completeOperation(unbind.operation.id, { state: 'failed', description: 'revocation failed' });
        expect(await storage.getBinding('i-1', 'b-1')).toMatchObject({ state: 'created', credentials: { a: 1 } });
        const updated = await storage.updateBinding('i-1', 'b-1', { scopes: ['pool:validator.i-1:read.basic'] });
        expect(updated.scopes).toEqual(['pool:validator.i-1:read.basic']);
        expect(await conflictOf(storage.updateBinding('i-1', 'nope', {}))).toBe('binding-not-found');
      });
    });

    describe('retention', () => {
      const DAY = 24 * 60 * 60_000;
      it('GIVEN a deprovisioned instance, a deleted binding and a live instance WHEN pruned past the retention THEN only history of deleted things goes', async () => {
        const { storage, clock } = await setup();
        await provisioned(storage, 'gone');
        await provisioned(storage, 'live');
        const bind = await storage.beginOperation({ kind: 'bind', binding: { id: 'b-old', instanceId: 'live', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} }, request: request(), description: 'x' });
        await storage.completeOperation(bind.operation.id, { state: 'succeeded', description: 'Bound' });
        const unbind = await storage.beginOperation({ kind: 'unbind', instanceId: 'live', bindingId: 'b-old', request: request(), description: 'x' });
        await storage.completeOperation(unbind.operation.id, { state: 'succeeded', description: 'Unbound' });
        const bound = await storage.beginOperation({ kind: 'bind', binding: { id: 'b-live', instanceId: 'live', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} }, request: request(), description: 'x' });
        await storage.completeOperation(bound.operation.id, { state: 'succeeded', description: 'Bound' });
        const deprovision = await storage.beginOperation({ kind: 'deprovision', instanceId: 'gone', request: request(), description: 'x' });
        await storage.completeOperation(deprovision.operation.id, { state: 'succeeded', description: 'Deprovisioned' });

        // Inside the retention: nothing goes.
        expect(await storage.pruneRetired(new Date(clock.read().getTime() - 90 * DAY))).toEqual({ operations: 0, instances: 0, bindings: 0 });
        clock.advance(91 * DAY);
        // An update of the live instance after the cutoff: its new and old operations stay.
        const update = await storage.beginOperation({ kind: 'update', instanceId: 'live', request: request(), description: 'x' });
        await storage.completeOperation(update.operation.id, { state: 'succeeded', description: 'Updated' });

        const pruned = await storage.pruneRetired(new Date(clock.read().getTime() - 90 * DAY));
        expect(pruned).toEqual({ operations: 4, instances: 1, bindings: 1 });
        expect(await storage.getInstance('gone')).toBeUndefined();
        expect(await storage.listOperations({ instanceId: 'gone' })).toEqual([]);
        expect(await storage.getBinding('live', 'b-old')).toBeUndefined();
        expect(await storage.getBinding('live', 'b-live')).toMatchObject({ state: 'created' });
        expect((await storage.listOperations({ instanceId: 'live', order: 'oldest-first' })).map((o) => o.kind)).toEqual(['provision', 'bind', 'update']);
        // Pruning again removes nothing more.
        expect(await storage.pruneRetired(new Date(clock.read().getTime() - 90 * DAY))).toEqual({ operations: 0, instances: 0, bindings: 0 });
      });
    });

    describe('leases and recovery', () => {
      it('GIVEN replica A holds an operation WHEN its lease expires THEN replica B takes it over and A is locked out', async () => {
        const { db, storage: a, clock } = await setup();
        const b = await replica(db, { clock: clock.read });
        const { operation } = await a.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
        });
        expect((await b.listClaimableOperations()).map((o) => o.id)).toEqual([operation.id]);
        expect(await a.claimOperation(operation.id)).toBeDefined();
        expect(await b.claimOperation(operation.id)).toBeUndefined();
        expect(await b.listClaimableOperations()).toEqual([]);
        expect(await b.renewOperationLease(operation.id)).toBe(false);

        clock.advance(LEASE_MS - 1);
        expect(await a.renewOperationLease(operation.id)).toBe(true);
        clock.advance(LEASE_MS);
        expect((await b.listClaimableOperations()).map((o) => o.id)).toEqual([operation.id]);
        const takenOver = await b.claimOperation(operation.id);
        expect(takenOver).toMatchObject({ attempts: 2, owner: b.replicaId });

        expect(await a.reportProgress(operation.id, 'still here')).toBe(false);
        expect(await a.renewOperationLease(operation.id)).toBe(false);
        expect(await conflictOf(a.completeOperation(operation.id, { state: 'succeeded', description: 'done' }))).toBe('lease-lost');
        expect(await b.completeOperation(operation.id, { state: 'succeeded', description: 'done' })).toMatchObject({ state: 'succeeded' });
      });

      it('GIVEN replicas whose clocks disagree by 10 minutes WHEN one holds a lease THEN the other cannot take it: leases run on the database\'s clock', async () => {
        const db = await database();
        const a = await replica(db, { leaseClock: 'database' });
        const skewed = await replica(db, { clock: () => new Date(Date.now() + 10 * 60_000), leaseClock: 'database' });
        const { operation } = await a.beginOperation({ kind: 'provision', instance: { id: 'i-1', serviceId: 'svc', planId: 'p', parameters: {}, context: {} }, request: request(), description: 'Queued' });
        const claimed = await a.claimOperation(operation.id);
        expect(claimed).toBeDefined();
        expect(await skewed.listClaimableOperations()).toEqual([]);
        expect(await skewed.claimOperation(operation.id)).toBeUndefined();
        expect(await a.renewOperationLease(operation.id)).toBe(true);
        expect(await skewed.listLeaseOwners()).toEqual([a.replicaId]);
      });

      it('GIVEN a held operation WHEN yielded THEN another replica may claim it at once, the yielded attempt not counted', async () => {
        const { db, storage: a, clock } = await setup();
        const b = await replica(db, { clock: clock.read });
        const { operation } = await a.beginOperation({ kind: 'provision', instance: { id: 'i-1', serviceId: 'svc', planId: 'p', parameters: {}, context: {} }, request: request(), description: 'Queued' });
        await a.claimOperation(operation.id);
        await a.yieldOperation(operation.id);
        expect((await b.listClaimableOperations()).map((o) => o.id)).toEqual([operation.id]);
        expect(await b.claimOperation(operation.id)).toMatchObject({ owner: b.replicaId, attempts: 1 });
      });

      it('GIVEN a broker that stopped mid-operation WHEN a new one opens the same database THEN the operation is claimable after the lease', async () => {
        const db = await database();
        const clock = new ManualClock();
        const before = await replica(db, { clock: clock.read });
        const { operation } = await before.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'p', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
        });
        await before.claimOperation(operation.id);
        await before.reportProgress(operation.id, 'applying 1/3');
        await before.close();

        const after = await replica(db, { clock: clock.read });
        expect(await after.listClaimableOperations()).toEqual([]);
        clock.advance(LEASE_MS);
        const [recovered] = await after.listClaimableOperations();
        expect(recovered).toMatchObject({ id: operation.id, state: 'in progress', attempts: 1, description: 'applying 1/3' });
        expect(await after.claimOperation(operation.id)).toMatchObject({ attempts: 2 });
      });

      it('GIVEN the owner was a process on this host that is gone WHEN another replica looks THEN it claims at once', async () => {
        const { db, clock } = await setup();
        const exited = spawnSync(process.execPath, ['-e', '']);
        const dead = await replica(db, { clock: clock.read, replicaId: replicaIdFor(exited.pid ?? 0, '0badc0de') });
        const sibling = await replica(db, { clock: clock.read, replicaId: replicaIdFor(process.pid, '5ca1ab1e') });
        const { operation } = await dead.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'p', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
        });
        await dead.claimOperation(operation.id);

        const survivor = await replica(db, { clock: clock.read });
        expect((await survivor.listClaimableOperations()).map((o) => o.id)).toEqual([operation.id]);
        expect(await survivor.claimOperation(operation.id)).toMatchObject({ owner: survivor.replicaId, attempts: 2 });
        // A live owner (this very process) is never taken over before its lease ends.
        expect(await sibling.claimOperation(operation.id)).toBeUndefined();
        expect(await sibling.listClaimableOperations()).toEqual([]);
      });
    });

    describe('encryption at rest', () => {
      it('GIVEN secrets in parameters, outputs and credentials THEN no raw row contains them', async () => {
        const { db, storage } = await setup();
        const { operation } = await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: { fee_recipient_secret: SECRET }, context: {} },
          request: request('plan-a', { fee_recipient_secret: SECRET }),
          description: 'Queued',
        });
        await storage.completeOperation(operation.id, { state: 'succeeded', description: 'ok', instance: { outputs: { jwt: SECRET } } });
        const bind = await storage.beginOperation({
          kind: 'bind',
          binding: { id: 'b-1', instanceId: 'i-1', serviceId: 'svc', planId: 'plan-a', parameters: { note: SECRET }, context: {} },
          request: request(),
          description: 'Binding',
        });
        await storage.completeOperation(bind.operation.id, { state: 'succeeded', description: 'ok', binding: { credentials: { jwt: SECRET } } });

        for (const table of ['instances', 'bindings', 'operations']) {
          const rows = await db.raw(`SELECT * FROM ${table}`);
          expect(rows.length).toBeGreaterThan(0);
          expect(JSON.stringify(rows)).not.toContain(SECRET);
        }
        const [instanceRow] = await db.raw(`SELECT parameters_enc, outputs_enc FROM instances`);
        expect(String(instanceRow?.['outputs_enc'])).toMatch(/^v1:[0-9a-f]{16}:/);
        expect((await storage.getInstance('i-1'))?.outputs).toEqual({ jwt: SECRET });
      });

      it('GIVEN a ciphertext copied into another row WHEN read THEN decryption is refused', async () => {
        const { db, storage } = await setup();
        await provisioned(storage, 'i-1');
        await provisioned(storage, 'i-2');
        await db.exec(`UPDATE instances SET outputs_enc = (SELECT outputs_enc FROM instances WHERE id = 'i-1') WHERE id = 'i-2'`);
        await expect(storage.getInstance('i-2')).rejects.toBeInstanceOf(SecretDecryptionError);
        expect((await storage.getInstance('i-1'))?.outputs).toMatchObject({ jwt: SECRET });
      });
    });

    describe('instance lock', () => {
      it('GIVEN two replicas WHEN both lock one instance THEN the second runs only after the first released', async () => {
        const { db, storage: a } = await setup();
        const b = await replica(db);
        const events: string[] = [];
        let releaseFirst!: () => void;
        const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
        let firstEntered!: () => void;
        const entered = new Promise<void>((resolve) => (firstEntered = resolve));

        const first = a.withInstanceLock('i-1', async () => {
          events.push('a:enter');
          firstEntered();
          await firstMayFinish;
          events.push('a:leave');
        });
        await entered;
        const second = b.withInstanceLock('i-1', async () => {
          events.push('b:enter');
          return 'b-result';
        });
        // Meanwhile another instance id is not blocked.
        expect(await b.withInstanceLock('i-2', async () => 'other-id')).toBe('other-id');
        expect(events).toEqual(['a:enter']);
        releaseFirst();
        expect(await second).toBe('b-result');
        await first;
        expect(events).toEqual(['a:enter', 'a:leave', 'b:enter']);
      });

      it('GIVEN many callers in one replica WHEN they lock one instance THEN they never overlap', async () => {
        const { storage } = await setup();
        let inside = 0;
        let maxInside = 0;
        await Promise.all(
          Array.from({ length: 8 }, (_, n) =>
            storage.withInstanceLock('i-1', async () => {
              inside += 1;
              maxInside = Math.max(maxInside, inside);
              await new Promise((resolve) => setImmediate(resolve, n));
              inside -= 1;
            }),
          ),
        );
        expect(maxInside).toBe(1);
      });

      it('GIVEN a held lock WHEN another replica cannot get it in time THEN LockTimeoutError, and the lock still works after', async () => {
        const { db, storage: a } = await setup();
        const b = await replica(db, { lockTimeoutMs: 200 });
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const isHeld = new Promise<void>((resolve) => (entered = resolve));
        const holder = a.withInstanceLock('i-1', async () => {
          entered();
          await held;
        });
        await isHeld;
        await expect(b.withInstanceLock('i-1', async () => 'never')).rejects.toBeInstanceOf(LockTimeoutError);
        release();
        await holder;
        expect(await b.withInstanceLock('i-1', async () => 'now')).toBe('now');
      });

      it('GIVEN fn throws WHEN locked THEN the error propagates and the lock is released', async () => {
        const { storage } = await setup();
        await expect(storage.withInstanceLock('i-1', async () => Promise.reject(new Error('inside')))).rejects.toThrow('inside');
        expect(await storage.withInstanceLock('i-1', async () => 'free')).toBe('free');
      });
    });

    describe('audit trail', () => {
      it('GIVEN operations by several users over time WHEN queried THEN filters by identity, platform, kind, state and time', async () => {
        const { storage, clock } = await setup();
        const t0 = clock.read();
        await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-1', serviceId: 'svc', planId: 'p', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
          originatingIdentity: identity('cloudfoundry', { user_id: 'alice' }),
        });
        clock.advance(60_000);
        const t1 = clock.read();
        await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-2', serviceId: 'svc', planId: 'p', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
          originatingIdentity: { platform: 'kubernetes', value: { username: 'bob', uid: 'u-7', groups: ['ops'], admin: true } },
        });
        clock.advance(60_000);
        const orphan = await storage.beginOperation({
          kind: 'provision',
          instance: { id: 'i-3', serviceId: 'svc', planId: 'p', parameters: {}, context: {} },
          request: request(),
          description: 'Queued',
        });
        await storage.completeOperation(orphan.operation.id, { state: 'failed', description: 'boom' });

        const ids = async (query: Parameters<Storage['listOperations']>[0]) => (await storage.listOperations(query)).map((o) => o.instanceId);
        expect(await ids({})).toEqual(['i-3', 'i-2', 'i-1']);
        expect(await ids({ order: 'oldest-first', limit: 2 })).toEqual(['i-1', 'i-2']);
        expect(await ids({ platform: 'cloudfoundry' })).toEqual(['i-1']);
        expect(await ids({ identity: { user_id: 'alice' } })).toEqual(['i-1']);
        expect(await ids({ platform: 'kubernetes', identity: { username: 'bob', uid: 'u-7' } })).toEqual(['i-2']);
        expect(await ids({ identity: { admin: true } })).toEqual(['i-2']);
        expect(await ids({ identity: { username: 'alice' } })).toEqual([]);
        expect(await ids({ since: t1 })).toEqual(['i-3', 'i-2']);
        expect(await ids({ since: t0, until: t1 })).toEqual(['i-1']);
        expect(await ids({ states: ['failed'] })).toEqual(['i-3']);
        expect(await ids({ kinds: ['update'] })).toEqual([]);
        const [bobs] = await storage.listOperations({ instanceId: 'i-2' });
        expect(bobs?.originatingIdentity).toEqual({ platform: 'kubernetes', value: { username: 'bob', uid: 'u-7', groups: ['ops'], admin: true } });
        await expect(storage.listOperations({ limit: 0 })).rejects.toThrow(RangeError);
        await expect(storage.listOperations({ limit: 1001 })).rejects.toThrow(RangeError);
      });
    });

    it('answers ping and closes idempotently', async () => {
      const { storage } = await setup();
      await expect(storage.ping()).resolves.toBeUndefined();
      expect(storage.engine).toBe(target.engine);
      await storage.close();
      await storage.close();
      await expect(storage.ping()).rejects.toThrow();
    });
  });
}
