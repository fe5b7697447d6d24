/**
 * The operation worker with real storage (SQLite), the real catalog and real terraform on a sandbox plan:
 * recovery of operations a dead process left `in progress`, the bound on attempts, time limits, and
 * bind/unbind operations interrupted between begin and completion.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog';
import { loadCatalog } from '../../src/catalog/load';
import type { NodePlan } from '../../src/catalog/model';
import { SecretBox } from '../../src/crypto/secret-box';
import { createLogger } from '../../src/log';
import { serviceCatalogOf } from '../../src/service/catalog-adapter';
import { TerraformProvisioner } from '../../src/service/terraform-provisioner';
import { OperationWorker } from '../../src/service/worker';
import { openStorage } from '../../src/storage';
import type { Storage } from '../../src/storage/types';
import { TerraformRunner } from '../../src/terraform/runner';

const KEY = new SecretBox(Buffer.alloc(32, 3));
/** A replica id on this host whose process does not exist (pid beyond the kernel's limit). */
const DEAD_REPLICA = `${hostname()}:4194305:deadbeef`;

let dataDir: string;
let catalog: Catalog;
let plan: NodePlan;
const opened: Storage[] = [];
const workers: OperationWorker[] = [];

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

async function storage(replicaId?: string): Promise<Storage> {
  const s = await openStorage({ dataDir, secretBox: KEY, ...(replicaId !== undefined && { replicaId }) });
  opened.push(s);
  return s;
}

function worker(store: Storage, options: { maxAttempts?: number; clock?: () => Date } = {}): OperationWorker {
  const runner = new TerraformRunner({ dataDir, maxConcurrent: 2, interruptGraceMs: 5_000, log: silent });
  const w = new OperationWorker({
    storage: store,
    catalog: serviceCatalogOf(catalog),
    provisioner: new TerraformProvisioner({ catalog, runner }),
    logger: silent,
    maxConcurrent: 2,
    scanIntervalMs: 60_000,
    ...options,
  });
  workers.push(w);
  return w;
}

async function beginProvision(store: Storage, instanceId: string): Promise<string> {
  const request = { serviceId: plan.serviceId, planId: plan.id, parameters: {}, context: {} };
  const began = await store.beginOperation({
    kind: 'provision',
    instance: { id: instanceId, serviceId: plan.serviceId, planId: plan.id, parameters: {}, context: {} },
    request,
    description: 'Queued',
  });
  return began.operation.id;
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ovsb-worker-'));
  writeFileSync(join(dataDir, 'empty.tfrc'), '');
  process.env['TF_CLI_CONFIG_FILE'] = join(dataDir, 'empty.tfrc');
  process.env['CHECKPOINT_DISABLE'] = '1';
  catalog = loadCatalog();
  plan = catalog.plans.find((p): p is NodePlan => p.kind === 'node' && p.target === 'sandbox' && p.role === 'rpc' && p.network === 'hoodi') as NodePlan;
});

afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  for (const s of opened.splice(0)) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('OperationWorker recovery', () => {
  it('GIVEN a provision claimed by a process that died WHEN a worker starts THEN it re-runs it to success', async () => {
    const dead = await storage(DEAD_REPLICA);
    const operationId = await beginProvision(dead, 'orphaned');
    expect((await dead.claimOperation(operationId))?.attempts).toBe(1);
    await dead.close();

    const store = await storage();
    const w = worker(store);
    await w.start();
    await w.whenIdle();
    const finished = await store.getOperation(operationId);
    expect(finished).toMatchObject({ state: 'succeeded', description: 'Provisioned' });
    const instance = await store.getInstance('orphaned');
    expect(instance?.state).toBe('provisioned');
    expect(instance?.outputs['execution_http_url']).toEqual(expect.stringMatching(/^http:\/\//));
    expect(instance?.outputs['jwt_secret']).toBeUndefined();
  });

  it('GIVEN an operation interrupted more than maxAttempts times THEN it is failed with a description saying so, never left in progress', async () => {
    const store = await storage();
    const operationId = await beginProvision(store, 'unlucky');
    for (let i = 0; i < 3; i++) await store.claimOperation(operationId);
    await store.releaseOperation(operationId);
    const w = worker(store, { maxAttempts: 3 });
    await w.start();
    await w.whenIdle();
    const finished = await store.getOperation(operationId);
    expect(finished?.state).toBe('failed');
    expect(finished?.description).toMatch(/interrupted 3 times/);
    expect(finished?.description).toMatch(/deprovision/);
    expect((await store.getInstance('unlucky'))?.state).toBe('failed');
  });

  it('GIVEN an operation older than the plan\'s maximum_polling_duration THEN it fails saying so', async () => {
    const store = await storage();
    const operationId = await beginProvision(store, 'too-late');
    const limitMs = catalog.config.broker.maximumPollingDuration * 1000;
    const w = worker(store, { clock: () => new Date(Date.now() + limitMs + 1000) });
    w.enqueue(operationId);
    await w.whenIdle();
    const finished = await store.getOperation(operationId);
    expect(finished?.state).toBe('failed');
    expect(finished?.description).toContain('maximum_polling_duration');
  });

  it('GIVEN a bind and an unbind whose requests died mid-way THEN the bind fails (the platform never got credentials) and the unbind completes', async () => {
    const store = await storage();
    const provisionId = await beginProvision(store, 'bound');
    const w = worker(store);
    w.enqueue(provisionId);
    await w.whenIdle();

    await store.beginOperation({
      kind: 'bind',
      binding: { id: 'interrupted-bind', instanceId: 'bound', serviceId: plan.serviceId, planId: plan.id, parameters: {}, context: {} },
      request: { serviceId: plan.serviceId, planId: plan.id },
      description: 'Issuing credentials',
    });
    const live = await store.beginOperation({
      kind: 'bind',
      binding: { id: 'to-unbind', instanceId: 'bound', serviceId: plan.serviceId, planId: plan.id, parameters: {}, context: {} },
      request: { serviceId: plan.serviceId, planId: plan.id },
      description: 'Issuing credentials',
    });
    await store.claimOperation(live.operation.id);
    await store.completeOperation(live.operation.id, { state: 'succeeded', description: 'Bound' });
    await store.beginOperation({
      kind: 'unbind',
      instanceId: 'bound',
      bindingId: 'to-unbind',
      request: { serviceId: plan.serviceId, planId: plan.id },
      description: 'Revoking credentials',
    });

    await w.scan();
    await w.whenIdle();
    const bind = await store.getLatestBindingOperation('bound', 'interrupted-bind');
    expect(bind?.state).toBe('failed');
    expect(bind?.description).toMatch(/unbind \(DELETE\) this binding and bind again/);
    expect((await store.getBinding('bound', 'interrupted-bind'))?.state).toBe('failed');
    expect((await store.getLatestBindingOperation('bound', 'to-unbind'))?.state).toBe('succeeded');
    expect((await store.getBinding('bound', 'to-unbind'))?.state).toBe('deleted');
  });

  it('GIVEN a running worker WHEN it stops THEN nothing is left claimed: the next worker resumes at once', async () => {
    const store = await storage();
    const operationId = await beginProvision(store, 'resumed');
    const first = worker(store);
    first.enqueue(operationId);
    await first.stop();
    const after = await store.getOperation(operationId);
    if (after?.state === 'in progress') expect(after.owner).toBeUndefined();
    const second = worker(store);
    await second.start();
    await second.whenIdle();
    expect((await store.getOperation(operationId))?.state).toBe('succeeded');
  });
});
