/**
 * The lease operations the worker and the runner's stale-lock rule use, on both engines: giving an
 * attempt back after a graceful shutdown, listing live lease owners, the lease length.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SecretBox } from '../../src/crypto';
import { openStorage, type OpenStorageOptions, type Storage } from '../../src/storage';
import { startPostgres, type TestPostgres } from '../support/postgres';

const KEY = new SecretBox(Buffer.alloc(32, 9));
let postgres: TestPostgres;
const dataDir = mkdtempSync(join(tmpdir(), 'ovsb-leases-'));
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

let now = Date.parse('2025-01-01T00:00:00.000Z');
const clock = () => new Date(now);

describe.each(['sqlite', 'postgres'] as const)('operation leases on %s', (engine) => {
  const opened: Storage[] = [];
  let location: Pick<OpenStorageOptions, 'dataDir' | 'databaseUrl'>;
  beforeAll(async () => {
    location = engine === 'sqlite' ? { dataDir: join(dataDir, 'sqlite') } : { dataDir, databaseUrl: await postgres.createDatabase('leases') };
  });
  afterAll(async () => {
    for (const storage of opened) await storage.close();
  });
  const replica = async (replicaId: string): Promise<Storage> => {
    const storage = await openStorage({ ...location, secretBox: KEY, replicaId, operationLeaseMs: 30_000, clock });
    opened.push(storage);
    return storage;
  };
  const provision = async (storage: Storage, instanceId: string): Promise<string> =>
    (
      await storage.beginOperation({
        kind: 'provision',
        instance: { id: instanceId, serviceId: 'svc', planId: 'p', parameters: {}, context: {} },
        request: { serviceId: 'svc', planId: 'p' },
        description: 'Queued',
      })
    ).operation.id;

  it('GIVEN a claimed operation WHEN it is yielded THEN it is unowned and the attempt is not counted', async () => {
    const a = await replica('replica-a');
    const id = await provision(a, 'yielded');
    expect((await a.claimOperation(id))?.attempts).toBe(1);
    await a.yieldOperation(id);
    expect(await a.getOperation(id)).toMatchObject({ state: 'in progress', attempts: 0 });
    expect((await a.getOperation(id))?.owner).toBeUndefined();
    expect((await a.claimOperation(id))?.attempts).toBe(1);

    // Only the owner can yield: another replica's call changes nothing.
    const b = await replica('replica-b');
    await b.yieldOperation(id);
    expect(await a.getOperation(id)).toMatchObject({ owner: 'replica-a', attempts: 1 });
  });

  it('GIVEN leases of several replicas THEN the live owners are listed once each, expired ones not', async () => {
    const c = await replica('replica-c');
    const d = await replica('replica-d');
    for (const instance of ['c-1', 'c-2']) await c.claimOperation(await provision(c, instance));
    now += 20_000;
    await d.claimOperation(await provision(d, 'd-1'));
    expect((await c.listLeaseOwners()).filter((owner) => owner === 'replica-c' || owner === 'replica-d')).toEqual(['replica-c', 'replica-d']);
    now += 15_000;
    expect((await c.listLeaseOwners()).filter((owner) => owner === 'replica-c' || owner === 'replica-d')).toEqual(['replica-d']);
    expect(c.operationLeaseMs).toBe(30_000);
  });
});
