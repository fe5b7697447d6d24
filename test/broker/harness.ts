/**
 * The broker assembled as broker/server.ts assembles it (real catalog, real storage, real terraform
 * runner and provisioner, real worker), but driven in-process with supertest, for either storage engine.
 *
 * `hold: true` keeps accepted operations queued (persisted `in progress`, as after a 202) until the test
 * calls `runQueued()`, which hands them to the real worker and waits: the in-progress rules
 * (re-sent PUT, ConcurrencyError, fetch while provisioning) are then observable deterministically.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../broker/app';
import { instanceDashboardUrl } from '../../broker/routes/dashboard';
import type { Catalog } from '../../src/catalog/catalog';
import { loadCatalog } from '../../src/catalog/load';
import type { NodePlan } from '../../src/catalog/model';
import { SecretBox } from '../../src/crypto/secret-box';
import { createLogger, type Logger } from '../../src/log';
import { BindingService } from '../../src/service/bindings';
import type { ServiceCatalog } from '../../src/service/catalog';
import { DiversityDataSource, type DiversityData } from '../../src/diversity';
import { serviceCatalogOf } from '../../src/service/catalog-adapter';
import { DiversityService, openDiversitySource } from '../../src/service/diversity';
import { DiversityPolicy } from '../../src/service/diversity-policy';
import { ForkReadinessPolicy } from '../../src/service/fork-policy';
import { ForkService } from '../../src/service/forks';
import { GatewayDirectory } from '../../src/service/gateway-directory';
import { InstanceService, type OperationScheduler } from '../../src/service/instances';
import { LidoPolicy } from '../../src/service/lido-policy';
import type { ProvisionPolicy } from '../../src/service/policy';
import { executableReadiness, storageReadiness } from '../../src/service/readiness';
import { TerraformProvisioner } from '../../src/service/terraform-provisioner';
import { OperationWorker } from '../../src/service/worker';
import { openStorage } from '../../src/storage';
import type { Storage } from '../../src/storage/types';
import type { DataVolumePredicate } from '../../src/terraform/data-volumes';
import { TerraformRunner } from '../../src/terraform/runner';
import type { TestPostgres } from '../support/postgres';

export const CREDENTIALS = { username: 'platform', password: 'correct-horse-battery-staple' } as const;
/** Accepted on /introspect and /gateway only, as an RPC gateway holds them. */
export const INTROSPECT_CREDENTIALS = { username: 'gateway', password: 'introspect-only-secret' } as const;
export const API_VERSION = '2.17';

export type Engine = 'sqlite' | 'postgres';

export interface HarnessOptions {
  readonly engine: Engine;
  /** Required for postgres. */
  readonly postgres?: TestPostgres;
  /** Another harness's database (`Harness.databaseUrl`): a second broker replica on it. @default a new database */
  readonly databaseUrl?: string;
  /** Keep accepted operations queued until `runQueued()`. @default false */
  readonly hold?: boolean;
  /** @default none */
  readonly policies?: readonly ProvisionPolicy[];
  /** Terraform state backend: `pg` keeps each instance's state in a schema of the test PostgreSQL. @default 'local' */
  readonly terraformBackend?: 'local' | 'pg';
  /** Runner setting: which planned changes count as data-volume replacement. @default the runner's */
  readonly dataVolumePredicate?: DataVolumePredicate;
  /** @default the bundled catalog */
  readonly catalog?: Catalog;
  /** Add the broker's own policies (Lido mode, client diversity) after `policies`, as serve does. @default false */
  readonly builtInPolicies?: boolean;
  /** Evaluated after the built-in ones. @default none */
  readonly policiesAfter?: readonly ProvisionPolicy[];
  /** As OVSB_PUBLIC_URL: instances get a dashboard_url under it. @default none */
  readonly publicUrl?: string;
  /** The published shares in use. @default the bundled data/diversity.json */
  readonly diversityData?: DiversityData;
  /** The broker's clock (fork windows, data age). @default the system clock */
  readonly clock?: () => Date;
  /** Another harness's data dir (SQLite database, terraform workspaces), kept at close: a restarted broker. @default a new one, removed at close */
  readonly dataDir?: string;
  /** As OVSB_GATEWAY_URL: binding credentials point at the RPC gateway. @default none */
  readonly gatewayUrl?: string;
}

export interface Harness {
  readonly app: Express;
  readonly storage: Storage;
  readonly catalog: Catalog;
  readonly serviceCatalog: ServiceCatalog;
  readonly worker: OperationWorker;
  readonly diversity: DiversityService;
  readonly forks: ForkService;
  readonly dataDir: string;
  /** The test database (postgres engine only). */
  readonly databaseUrl?: string;
  /** Every log line written, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Runs the held operations with the real worker and waits until they finished. */
  runQueued(): Promise<void>;
  /** Waits until the worker has nothing queued or running. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

let databases = 0;

/** A Basic-authenticated, versioned request, as a platform sends it. */
export function osb(app: Express) {
  const agent = request(app);
  const auth = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
  const wrap = (test: request.Test) => test.set('Authorization', auth).set('X-Broker-API-Version', API_VERSION);
  return {
    get: (path: string) => wrap(agent.get(path)),
    put: (path: string) => wrap(agent.put(path)),
    patch: (path: string) => wrap(agent.patch(path)),
    delete: (path: string) => wrap(agent.delete(path)),
  };
}

class HeldScheduler implements OperationScheduler {
  readonly held: string[] = [];
  constructor(private readonly target: OperationScheduler | undefined) {}
  enqueue(operationId: string): void {
    if (this.target === undefined) this.held.push(operationId);
    else this.target.enqueue(operationId);
  }
}

function captureLogs(into: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') into.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ovsb-broker-test-'));
  // Terraform must not read the machine's CLI config (it points at a missing file here).
  const cliConfig = join(dataDir, 'empty.tfrc');
  writeFileSync(cliConfig, '');
  process.env['TF_CLI_CONFIG_FILE'] = cliConfig;
  process.env['CHECKPOINT_DISABLE'] = '1';

  let databaseUrl: string | undefined;
  if (options.engine === 'postgres') {
    if (options.postgres === undefined) throw new Error('postgres harness needs a TestPostgres');
    databases += 1;
    databaseUrl = options.databaseUrl ?? (await options.postgres.createDatabase(`broker_${process.pid}_${databases}`));
  }
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = createLogger({ level: 'debug', destination: captureLogs(logs) });
  const storage = await openStorage({
    dataDir,
    ...(databaseUrl !== undefined && { databaseUrl }),
    secretBox: new SecretBox(Buffer.alloc(32, 7)),
  });
  const catalog = options.catalog ?? loadCatalog();
  if (options.terraformBackend === 'pg' && databaseUrl === undefined) throw new Error('the pg state backend needs the postgres engine');
  const runner = new TerraformRunner({
    dataDir,
    // terraform's pq driver insists on SSL unless told; the throwaway server has none.
    ...(options.terraformBackend === 'pg' && databaseUrl !== undefined && { backend: { kind: 'pg', connectionString: `${databaseUrl}?sslmode=disable` } }),
    maxConcurrent: 2,
    interruptGraceMs: 5_000,
    log: logger,
    ...(options.dataVolumePredicate !== undefined && { dataVolumePredicate: options.dataVolumePredicate }),
  });
  const provisioner = new TerraformProvisioner({ catalog, runner });
  const opened = openDiversitySource(dataDir, { refreshHours: 0, feeds: [] });
  const diversity = new DiversityService({
    storage,
    catalog,
    source: options.diversityData === undefined ? opened.source : new DiversityDataSource(options.diversityData),
    logger,
  });
  const serviceCatalog = serviceCatalogOf(catalog, { version: () => diversity.data(), status: (service) => diversity.serviceStatus(service) });
  const worker = new OperationWorker({ storage, catalog: serviceCatalog, provisioner, logger, maxConcurrent: 2, scanIntervalMs: 60_000 });
  const scheduler = new HeldScheduler(options.hold === true ? undefined : worker);
  const forks = new ForkService({ catalog, storage, ...(options.clock !== undefined && { clock: options.clock }), diversityData: () => diversity.data() });
  const policies = [
    ...(options.policies ?? []),
    ...(options.builtInPolicies === true ? [new ForkReadinessPolicy(catalog, forks), new LidoPolicy(catalog), new DiversityPolicy(diversity)] : []),
    ...(options.policiesAfter ?? []),
  ];
  const publicUrl = options.publicUrl;
  const deps = {
    storage,
    catalog: serviceCatalog,
    provisioner,
    scheduler,
    policies,
    ...(publicUrl !== undefined && { dashboardUrlOf: instanceDashboardUrl(publicUrl) }),
    instanceLabels: (instance: Parameters<ForkService['instanceLabels']>[0]) => forks.instanceLabels(instance),
    ...(options.gatewayUrl !== undefined && { gatewayUrl: options.gatewayUrl }),
  };
  const app = createApp({
    instances: new InstanceService(deps),
    bindings: new BindingService(deps),
    catalog: serviceCatalog,
    diversity,
    forks,
    storage,
    credentials: CREDENTIALS,
    introspectionCredentials: INTROSPECT_CREDENTIALS,
    gateway: new GatewayDirectory({ storage, catalog }),
    logger,
    readiness: [storageReadiness(storage), executableReadiness('terraform', 'terraform', 'OVSB_TERRAFORM_BIN')],
    maxBodyBytes: 64 * 1024,
  });
  return {
    app,
    storage,
    catalog,
    serviceCatalog,
    diversity,
    forks,
    ...(databaseUrl !== undefined && { databaseUrl }),
    worker,
    dataDir,
    logs,
    async runQueued() {
      for (const id of scheduler.held.splice(0)) worker.enqueue(id);
      await worker.whenIdle();
    },
    settle: () => worker.whenIdle(),
    async close() {
      await worker.stop();
      await storage.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A sandbox plan of the catalog (no nodes run: terraform built-ins only) on hoodi whose releases follow
 * every fork hoodi has scheduled, so no fork window refuses it whatever the date.
 */
export function sandboxPlan(catalog: Catalog, role: 'rpc' | 'validator' = 'rpc'): NodePlan {
  const plan = catalog.plans.find(
    (p): p is NodePlan =>
      p.kind === 'node' && p.target === 'sandbox' && p.role === role && !p.lido && p.network === 'hoodi' && catalog.forkChecks(p).every((c) => c.ready),
  );
  if (plan === undefined) throw new Error(`the bundled catalog has no hoodi sandbox ${role} plan`);
  return plan;
}

/** Another sandbox plan of the same service and role (for plan changes). */
export function otherPlanOf(catalog: Catalog, plan: NodePlan): NodePlan {
  const other = catalog.plans.find(
    (p): p is NodePlan => p.kind === 'node' && p.serviceId === plan.serviceId && p.id !== plan.id && p.target === 'sandbox' && p.role === plan.role && !p.lido,
  );
  if (other === undefined) throw new Error(`service ${plan.serviceName} has a single sandbox plan`);
  return other;
}

/** `X-Broker-API-Originating-Identity` value for a platform user. */
export const originatingIdentity = (platform: string, value: Record<string, unknown>): string =>
  `${platform} ${Buffer.from(JSON.stringify(value)).toString('base64')}`;

/**
 * A runner rule for tests: the sandbox records each container in a terraform_data, and a change of the
 * execution record (its volume size, say) counts as replacing the execution client's data volume.
 */
export const executionVolume: DataVolumePredicate = ({ resource, action }) =>
  resource.type === 'terraform_data' && resource.name.startsWith('node_execution_') && action !== 'read' && action !== 'create';
