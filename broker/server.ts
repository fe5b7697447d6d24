/**
 * The composition root: builds every dependency from the config, serves the app, and runs the worker.
 *
 *   catalog (OVSB_CATALOG) ─┐
 *   storage (SQLite | PostgreSQL, secrets encrypted) ─┼─> InstanceService / BindingService ─> createApp ─> HTTP
 *   terraform runner ─> TerraformProvisioner ─> OperationWorker (recovers unfinished operations at start)
 *
 *   diversity data (bundled | OVSB_DIVERSITY_DATA, refreshed from feeds) + ledger (storage) ─> DiversityService
 *     ─> provision policies (client diversity, Lido mode), catalog metadata.diversity, /diversity, /metrics
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundledCatalogPath, loadCatalog } from '../src/catalog/load';
import { resolveBrokerCredentials, resolveIntrospectionCredentials, type BrokerConfig } from '../src/config';
import { ensurePrivateDir, loadSecretBox } from '../src/crypto/keys';
import type { Logger } from '../src/log';
import { BindingService } from '../src/service/bindings';
import { serviceCatalogOf } from '../src/service/catalog-adapter';
import { DiversityService, openDiversitySource } from '../src/service/diversity';
import { DiversityPolicy } from '../src/service/diversity-policy';
import { Housekeeping } from '../src/service/housekeeping';
import { ForkReadinessPolicy } from '../src/service/fork-policy';
import { ForkService } from '../src/service/forks';
import { GatewayDirectory } from '../src/service/gateway-directory';
import { InstanceService } from '../src/service/instances';
import { LidoPolicy } from '../src/service/lido-policy';
import type { ProvisionPolicy } from '../src/service/policy';
import { backendReadiness, executableReadiness, storageReadiness } from '../src/service/readiness';
import { TerraformProvisioner } from '../src/service/terraform-provisioner';
import { OperationWorker } from '../src/service/worker';
import { openStorage } from '../src/storage';
import type { Storage } from '../src/storage/types';
import { TerraformRunner } from '../src/terraform/runner';
import { createApp } from './app';
import { instanceDashboardUrl } from './routes/dashboard';

export interface StartBrokerOptions {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  /** For OVSB_ENCRYPTION_KEY. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Prints the generated password, once, for the operator (never through the logger). */
  readonly announce: (text: string) => void;
  /** Run before the built-in ones (fork readiness, client diversity, Lido mode). @default none */
  readonly policies?: readonly ProvisionPolicy[];
  /** The broker's clock (fork windows, data age). @default the system clock */
  readonly clock?: () => Date;
}

export interface RunningBroker {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, interrupts running operations (resumed by the next start), closes storage. */
  close(): Promise<void>;
}

/** How long in-flight requests get to finish at shutdown. */
const DRAIN_MS = 10_000;

export async function startBroker(options: StartBrokerOptions): Promise<RunningBroker> {
  const { config, logger } = options;
  ensurePrivateDir(config.dataDir);
  const credentials = resolveBrokerCredentials(config);
  if (credentials.generated) {
    options.announce(
      `ovsb: generated broker credentials (shown once): username "${credentials.username}", password "${credentials.password}". ` +
        `Kept in ${credentials.passwordFile} (0600); set OVSB_USERNAME / OVSB_PASSWORD to choose your own.\n`,
    );
  }
  const introspection = resolveIntrospectionCredentials(config);
  if (introspection.generated) {
    options.announce(
      `ovsb: generated introspection credentials for RPC gateways (POST /introspect and /gateway only; shown once): username "${introspection.username}", password "${introspection.password}". ` +
        `Kept in ${introspection.passwordFile} (0600); set OVSB_INTROSPECT_USERNAME / OVSB_INTROSPECT_PASSWORD to choose your own.\n`,
    );
  }
  const catalog = loadCatalog(config.catalogPath ?? bundledCatalogPath());
  const secretBox = loadSecretBox({ dataDir: config.dataDir, env: options.env ?? process.env });
  const storage = await openStorage({
    dataDir: config.dataDir,
    ...(config.databaseUrl !== undefined && { databaseUrl: config.databaseUrl }),
    secretBox,
    onBackgroundError: (error) => logger.warn({ err: error }, 'database connection error'),
  });

  let worker: OperationWorker | undefined;
  let server: Server | undefined;
  let diversity: DiversityService | undefined;
  let housekeeping: Housekeeping | undefined;
  let forks: ForkService | undefined;
  try {
    const runner = new TerraformRunner({ ...config.terraform, log: logger.child({ component: 'terraform' }) });
    const backendKind = config.terraform.backend?.kind ?? 'local';
    if (backendKind === 'pg' && (options.env ?? process.env)['OVSB_TF_BACKEND'] === undefined) {
      logger.info({ backend: 'pg' }, 'OVSB_TF_BACKEND is unset and the database is PostgreSQL: terraform state goes to the pg backend (one schema per instance), so every replica sees it');
    }
    const backend = backendReadiness(() => runner.checkBackend());
    await backend.start();
    backend.check().catch((error: unknown) =>
      logger.error({ err: error }, 'the terraform state backend is not usable: /ready stays failing and provisions would fail at terraform init'),
    );
    const provisioner = new TerraformProvisioner({ catalog, runner });
    const diversityLogger = logger.child({ component: 'diversity' });
    const { source, targets } = openDiversitySource(config.dataDir, config.diversity, diversityLogger);
    diversity = new DiversityService({
      storage,
      catalog,
      source,
      refreshTargets: targets,
      refreshHours: config.diversity.refreshHours,
      logger: diversityLogger,
    });
    const live = diversity;
    forks = new ForkService({
      catalog,
      storage,
      ...(options.clock !== undefined && { clock: options.clock }),
      diversityData: () => live.data(),
      maxDataAgeDays: config.dataMaxAgeDays,
      logger: logger.child({ component: 'data' }),
    });
    const forkService = forks;
    const serviceCatalog = serviceCatalogOf(catalog, { version: () => live.data(), status: (service) => live.serviceStatus(service) });
    worker = new OperationWorker({
      storage,
      catalog: serviceCatalog,
      provisioner,
      logger: logger.child({ component: 'worker' }),
      maxConcurrent: config.terraform.maxConcurrent ?? 4,
    });
    const publicUrl = config.publicUrl;
    const deps = {
      storage,
      catalog: serviceCatalog,
      provisioner,
      scheduler: worker,
      policies: [...(options.policies ?? []), new ForkReadinessPolicy(catalog, forkService), new LidoPolicy(catalog), new DiversityPolicy(diversity)],
      ...(publicUrl !== undefined && { dashboardUrlOf: instanceDashboardUrl(publicUrl) }),
      instanceLabels: (instance: Parameters<ForkService['instanceLabels']>[0]) => forkService.instanceLabels(instance),
      ...(config.gatewayUrl !== undefined && { gatewayUrl: config.gatewayUrl }),
    };
    const app = createApp({
      instances: new InstanceService(deps),
      bindings: new BindingService(deps),
      catalog: serviceCatalog,
      diversity,
      forks: forkService,
      storage,
      credentials,
      introspectionCredentials: { username: introspection.username, password: introspection.password },
      gateway: new GatewayDirectory({ storage, catalog }),
      logger,
      readiness: [storageReadiness(storage), executableReadiness('terraform', config.terraform.terraformBin ?? 'terraform', 'OVSB_TERRAFORM_BIN'), backend],
    });
    housekeeping = new Housekeeping({ storage, workspaces: runner, logger: logger.child({ component: 'housekeeping' }), retentionDays: config.retentionDays });
    server = await listen(app, config.port, config.host);
    await housekeeping.start();
    await worker.start();
    diversity.start();
    forkService.start();
  } catch (error) {
    diversity?.stop();
    await housekeeping?.stop();
    forks?.stop();
    await shutdown(server, worker, storage, logger);
    throw error;
  }

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, storage: storage.engine, catalog: catalog.source, services: catalog.services.length, plans: catalog.plans.length }, 'broker listening');
  let closing: Promise<void> | undefined;
  const running = { server, worker, diversity, housekeeping, forks: forks! };
  return {
    url,
    port,
    close: () => {
      running.diversity.stop();
      void running.housekeeping.stop();
      running.forks.stop();
      return (closing ??= shutdown(running.server, running.worker, storage, logger));
    },
  };
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function shutdown(server: Server | undefined, worker: OperationWorker | undefined, storage: Storage, logger: Logger): Promise<void> {
  if (server?.listening) {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drain = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    await closed;
    clearTimeout(drain);
  }
  await worker?.stop();
  await storage.close();
  logger.info('broker stopped');
}
