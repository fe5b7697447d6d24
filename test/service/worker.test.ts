/**
 * The operation worker with real storage (SQLite), the real catalog and real terraform on a sandbox plan:
 * recovery of operations a dead process left `in progress`, the bound on attempts, time limits,
 * bind/unbind operations interrupted between begin and completion, graceful shutdown and lost leases
 * while terraform runs, and the data-volume guard of updates.
 *
 * To stop a run while it is inside `terraform apply`, some tests use a terraform wrapper (named
 * `terraform`, so the runner recognises it) whose `apply` waits until it is interrupted: the tests wait
 * until that process runs in the instance's workspace, then act.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog';
import { loadCatalog } from '../../src/catalog/load';
import type { NodePlan } from '../../src/catalog/model';
import { SecretBox } from '../../src/crypto/secret-box';
import { createLogger, type Logger } from '../../src/log';
import { serviceCatalogOf } from '../../src/service/catalog-adapter';
import { TerraformProvisioner } from '../../src/service/terraform-provisioner';
import { OperationWorker } from '../../src/service/worker';
import { openStorage } from '../../src/storage';
import type { Storage } from '../../src/storage/types';
import { replicaIdFor } from '../../src/operations/replica';
import type { JsonObject } from '../../src/operations/types';
import { terraformProcessesIn } from '../../src/terraform/orphans';
import { TerraformRunner } from '../../src/terraform/runner';
import { Workspaces } from '../../src/terraform/workspace';

const KEY = new SecretBox(Buffer.alloc(32, 3));
/** A replica id of this host, boot and PID namespace whose process does not exist (pid beyond the kernel's limit). */
const DEAD_REPLICA = replicaIdFor(4194305, 'deadbeef');
const REAL_TERRAFORM = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();

let dataDir: string;
let catalog: Catalog;
let plan: NodePlan;
const opened: Storage[] = [];
const workers: OperationWorker[] = [];

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** A logger keeping every line it writes, parsed. */
function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

async function storage(replicaId?: string, operationLeaseMs?: number): Promise<Storage> {
  const s = await openStorage({ dataDir, secretBox: KEY, ...(replicaId !== undefined && { replicaId }), ...(operationLeaseMs !== undefined && { operationLeaseMs }) });
  opened.push(s);
  return s;
}

interface WorkerSettings {
  maxAttempts?: number;
  clock?: () => Date;
  renewIntervalMs?: number;
  /** @default silent */
  logger?: Logger;
  /** @default the real terraform */
  terraformBin?: string;
}

function worker(store: Storage, { terraformBin = REAL_TERRAFORM, ...options }: WorkerSettings = {}): OperationWorker {
  const runner = new TerraformRunner({ terraformBin, dataDir, maxConcurrent: 2, interruptGraceMs: 5_000, log: silent });
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

/**
 * A `terraform` whose `apply` touches `<dataDir>/apply-started` and then waits until interrupted (exit 130);
 * every other command is the real terraform.
 */
function blockingTerraform(): { bin: string; started: string } {
  const dir = join(dataDir, 'blocking-bin');
  mkdirSync(dir);
  const bin = join(dir, 'terraform');
  const started = join(dataDir, 'apply-started');
  writeFileSync(
    bin,
    [
      '#!/bin/bash',
      'if [ "$1" = apply ]; then',
      `  exec -a terraform /bin/bash -c 'trap "kill $p; exit 130" INT TERM; touch ${started}; sleep 600 >/dev/null 2>&1 & p=$!; wait $p' terraform "$@"`,
      'fi',
      `exec ${REAL_TERRAFORM} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(bin, 0o755);
  return { bin, started };
}

/** Resolves once `terraform apply` runs in the instance's workspace (the wrapper has started). */
async function terraformApplyRunning(instanceId: string, started: string): Promise<number[]> {
  const dir = new Workspaces(dataDir).for(instanceId).dir;
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (existsSync(started)) {
      const pids = await terraformProcessesIn(dir, 'terraform');
      if (pids.length > 0) return pids;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`terraform apply never ran for ${instanceId}`);
}

async function beginUpdate(store: Storage, instanceId: string, parameters: JsonObject): Promise<string> {
  const began = await store.beginOperation({
    kind: 'update',
    instanceId,
    request: { serviceId: plan.serviceId, planId: plan.id, parameters, context: {} },
    description: 'Queued',
  });
  return began.operation.id;
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
    // Three counted claims, then a fourth given back: the worker's claim is the fourth attempt.
    for (let i = 0; i < 4; i++) await store.claimOperation(operationId);
    await store.yieldOperation(operationId);
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

  it('GIVEN a worker stopped before its queued operation ran THEN no attempt is counted and the next worker resumes it', async () => {
    const store = await storage();
    const operationId = await beginProvision(store, 'resumed');
    const first = worker(store);
    first.enqueue(operationId);
    await first.stop();
    const after = await store.getOperation(operationId);
    expect(after).toMatchObject({ state: 'in progress', attempts: 0 });
    expect(after?.owner).toBeUndefined();
    const second = worker(store);
    await second.start();
    await second.whenIdle();
    expect(await store.getOperation(operationId)).toMatchObject({ state: 'succeeded', description: 'Provisioned' });
  });
});

describe('OperationWorker while terraform apply runs', () => {
  it('GIVEN terraform apply running WHEN the worker stops THEN terraform is interrupted, the lease released and the attempt not counted', async () => {
    const store = await storage();
    const operationId = await beginProvision(store, 'stopped-in-apply');
    const { bin, started } = blockingTerraform();
    const first = worker(store, { terraformBin: bin });
    first.enqueue(operationId);
    const pids = await terraformApplyRunning('stopped-in-apply', started);
    expect((await store.getOperation(operationId))?.owner).toBe(store.replicaId);

    await first.stop();
    expect(await terraformProcessesIn(new Workspaces(dataDir).for('stopped-in-apply').dir, 'terraform')).toEqual([]);
    expect(pids.length).toBe(1);
    const after = await store.getOperation(operationId);
    expect(after).toMatchObject({ state: 'in progress', attempts: 0 });
    expect(after?.owner).toBeUndefined();

    const second = worker(store);
    await second.start();
    await second.whenIdle();
    expect(await store.getOperation(operationId)).toMatchObject({ state: 'succeeded', description: 'Provisioned' });
  });

  it('GIVEN the database unreachable while terraform apply runs WHEN the lease deadline passes THEN the run is stopped and another replica takes over', async () => {
    const store = await storage(undefined, 2_000);
    const operationId = await beginProvision(store, 'lease-lost');
    const { bin, started } = blockingTerraform();
    const w = worker(store, { terraformBin: bin, renewIntervalMs: 200 });
    w.enqueue(operationId);
    await terraformApplyRunning('lease-lost', started);

    // The connection is lost: every lease renewal (progress writes renew too) fails from now on.
    const lost = () => Promise.reject(new Error('connection terminated unexpectedly'));
    store.renewOperationLease = lost;
    store.reportProgress = lost;
    await w.whenIdle();

    expect(await terraformProcessesIn(new Workspaces(dataDir).for('lease-lost').dir, 'terraform')).toEqual([]);
    // Not completed and not released (this replica cannot reach the database): the lease simply ends.
    expect(await store.getOperation(operationId)).toMatchObject({ state: 'in progress', owner: store.replicaId, attempts: 1 });
    const other = await storage(replicaIdFor(process.pid, 'a11ce'));
    let claimable: string[] = [];
    for (let attempt = 0; attempt < 100 && claimable.length === 0; attempt++) {
      claimable = (await other.listClaimableOperations()).map((operation) => operation.id);
      if (claimable.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(claimable).toEqual([operationId]);
    const takeover = worker(other);
    takeover.enqueue(operationId);
    await takeover.whenIdle();
    expect(await other.getOperation(operationId)).toMatchObject({ state: 'succeeded', description: 'Provisioned' });
  });

  it('GIVEN a lease renewal answered only after the run finished THEN the finished run reports no lease expiry', async () => {
    const { logger, lines } = recordingLogger();
    const store = await storage(undefined, 2_000);
    const operationId = await beginProvision(store, 'late-renewal');
    // GIVEN renewals sent while the outcome is being recorded are answered once their lease time has passed
    const renew = store.renewOperationLease.bind(store);
    const complete = store.completeOperation.bind(store);
    let completing = false;
    let renewalSent: () => void = () => undefined;
    const renewalDuringCompletion = new Promise<void>((resolve) => (renewalSent = resolve));
    const lateAnswers: Array<Promise<boolean>> = [];
    store.renewOperationLease = (id) => {
      if (!completing) return renew(id);
      const sentAt = Date.now();
      const answer = renew(id).then(async (held) => {
        renewalSent();
        await new Promise((resolve) => setTimeout(resolve, sentAt + store.operationLeaseMs + 20 - Date.now()));
        return held;
      });
      lateAnswers.push(answer);
      return answer;
    };
    store.completeOperation = async (id, outcome) => {
      completing = true;
      await renewalDuringCompletion;
      return complete(id, outcome);
    };
    const w = worker(store, { renewIntervalMs: 100, logger });

    // WHEN the run finishes and the late answers arrive
    w.enqueue(operationId);
    await w.whenIdle();
    await Promise.all(lateAnswers);
    // The expiry timer such an answer would arm is due at once: let it fire.
    await new Promise((resolve) => setTimeout(resolve, 50));

    // THEN the run ended once, as it succeeded, and nothing claims its lease expired
    expect(lateAnswers.length).toBeGreaterThan(0);
    expect(await store.getOperation(operationId)).toMatchObject({ state: 'succeeded', description: 'Provisioned' });
    expect(lines.filter((line) => String(line['msg']).includes('lease'))).toEqual([]);
    expect(lines.filter((line) => line['msg'] === 'operation finished')).toHaveLength(1);
  });
});

describe('OperationWorker failures', () => {
  it('GIVEN terraform failing on an unreadable state THEN the operation fails with its diagnostic said once', async () => {
    const store = await storage();
    const ws = new Workspaces(dataDir).for('corrupt');
    mkdirSync(ws.dir, { recursive: true });
    writeFileSync(join(ws.dir, 'terraform.tfstate'), '{"version": 4, "resources": [');
    const operationId = await beginProvision(store, 'corrupt');
    const w = worker(store);
    w.enqueue(operationId);
    await w.whenIdle();
    const failed = await store.getOperation(operationId);
    expect(failed?.state).toBe('failed');
    expect(failed?.description).toMatch(/^Provisioning failed: terraform init failed \(exit code 1\): Error reading local state: 2 problems: - Unsupported state file format/);
    expect(failed?.description.split('Error reading local state').length).toBe(2);
  });
});

describe('OperationWorker updates', () => {
  it('GIVEN an update that would resize the data volume THEN it is refused without opt-in, nothing changed, and applied with it, naming the volume', async () => {
    const { logger, lines } = recordingLogger();
    const store = await storage();
    const w = worker(store, { logger });
    w.enqueue(await beginProvision(store, 'resized'));
    await w.whenIdle();
    expect((await store.getInstance('resized'))?.state).toBe('provisioned');

    const refusedId = await beginUpdate(store, 'resized', { execution_storage_gi: 4000 });
    w.enqueue(refusedId);
    await w.whenIdle();
    const refused = await store.getOperation(refusedId);
    expect(refused?.state).toBe('failed');
    expect(refused?.description).toMatch(/^Updating refused: the update would replace the data volume terraform_data\.node_execution_[0-9A-F]{8} .*"allow_data_volume_replacement": true/);
    expect((await store.getInstance('resized'))?.state).toBe('provisioned');

    const allowedId = await beginUpdate(store, 'resized', { execution_storage_gi: 4000, allow_data_volume_replacement: true });
    w.enqueue(allowedId);
    await w.whenIdle();
    const allowed = await store.getOperation(allowedId);
    expect(allowed?.state).toBe('succeeded');
    expect(allowed?.description).toMatch(/^Updated\. Data volumes replaced as allowed: terraform_data\.node_execution_[0-9A-F]{8}$/);
    expect((await store.getInstance('resized'))?.parameters).toEqual({ execution_storage_gi: 4000 });
    // Logged at warn with addresses and actions only, never attribute values.
    const warned = lines.filter((line) => line['operationId'] === allowedId && line['level'] === 40);
    expect(warned).toEqual([
      expect.objectContaining({
        msg: 'the update replaced or destroyed data volumes, as the request allowed',
        dataVolumes: [{ address: expect.stringMatching(/^terraform_data\.node_execution_[0-9A-F]{8}$/), action: 'update' }],
      }),
    ]);
  });
});
