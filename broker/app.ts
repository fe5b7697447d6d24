/**
 * The broker's Express app, built from its dependencies and not listening (broker/server.ts listens), so
 * tests drive it in-process.
 *
 *   request context (request id, access log)
 *   /live, /ready, /openapi.json        unauthenticated probes and the API description
 *   /dashboard[/instances/:id]          unauthenticated diversity page (instances' dashboard_url)
 *   /v2/...  Basic auth -> X-Broker-API-Version -> one router per OSB resource
 *   /audit   Basic auth -> the operations trail
 *   /diversity[/dashboard|/suggestions], /metrics   Basic auth -> client diversity views, Prometheus
 *   /forks   Basic auth -> hard-fork readiness of plans and instances, data freshness
 *   /introspect   Basic auth, introspection or broker credentials -> token introspection (RFC 7662 shape)
 *   /gateway/...  the same credentials -> policy and instance upstreams for the RPC gateway (`ovsb gateway`)
 *   anything else: OSB 404; every error: the OSB error middleware (never Express's HTML handler)
 */
import express, { type Express } from 'express';
import type { Logger } from '../src/log';
import type { BindingService } from '../src/service/bindings';
import type { ServiceCatalog } from '../src/service/catalog';
import type { DiversityService } from '../src/service/diversity';
import type { ForkService } from '../src/service/forks';
import type { GatewayDirectory } from '../src/service/gateway-directory';
import type { InstanceService } from '../src/service/instances';
import type { ReadinessCheck } from '../src/service/readiness';
import type { Storage } from '../src/storage/types';
import { apiVersion } from './middleware/api-version';
import { basicAuth, type BasicCredentials } from './middleware/auth';
import { MAX_BODY_BYTES } from './middleware/body';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { auditRouter } from './routes/audit';
import { catalogRouter } from './routes/catalog';
import { dashboardRouter } from './routes/dashboard';
import { diversityRouter } from './routes/diversity';
import { forksRouter } from './routes/forks';
import { gatewayRouter } from './routes/gateway';
import { healthRouter } from './routes/health';
import { INTROSPECT_CREDENTIALS_HINT, introspectRouter } from './routes/introspect';
import { addLastOperationRoutes } from './routes/last-operation';
import { metricsRouter } from './routes/metrics';
import { openApiRouter } from './routes/openapi';
import { serviceBindingsRouter } from './routes/service-bindings';
import { serviceInstancesRouter } from './routes/service-instances';

export interface BrokerAppDeps {
  readonly instances: InstanceService;
  readonly bindings: BindingService;
  readonly catalog: ServiceCatalog;
  readonly diversity: DiversityService;
  /** Fork readiness (/forks, metrics, dashboard). @default none: those views leave forks out */
  readonly forks?: ForkService;
  /** Read by the audit endpoint. */
  readonly storage: Storage;
  readonly credentials: BasicCredentials;
  /** Accepted on /introspect and /gateway only (RPC gateways), besides `credentials`. @default none */
  readonly introspectionCredentials?: BasicCredentials;
  /** Serves /gateway/policy and /gateway/instances/:id. @default none (those routes answer 404) */
  readonly gateway?: GatewayDirectory;
  readonly logger: Logger;
  readonly readiness: readonly ReadinessCheck[];
  /** `Retry-After` seconds on last_operation while in progress. @default 5 */
  readonly retryAfterSec?: number;
  /** @default MAX_BODY_BYTES (256 KiB) */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_RETRY_AFTER_SEC = 5;

export function createApp(deps: BrokerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Polls must always see the current state, never a 304.
  app.disable('etag');
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;
  const auth = basicAuth(deps.credentials);

  app.use(requestContext(deps.logger));

  // /v2 first and last_operation first within it: platform polls are the hot path.
  const v2 = express.Router();
  v2.use(auth, apiVersion());
  addLastOperationRoutes(v2, deps.instances, deps.bindings, deps.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC);
  v2.use('/catalog', catalogRouter(deps.catalog, (listener) => deps.diversity.onDataChanged(listener)));
  v2.use('/service_instances/:instance_id/service_bindings', serviceBindingsRouter(deps.bindings, maxBodyBytes));
  v2.use('/service_instances', serviceInstancesRouter(deps.instances, maxBodyBytes));
  app.use('/v2', v2);

  app.use(healthRouter(deps.readiness, deps.logger));
  app.use(openApiRouter());
  app.use('/dashboard', dashboardRouter(deps.diversity, deps.forks));
  app.use('/audit', auth, auditRouter(deps.storage));
  app.use('/diversity', auth, diversityRouter(deps.diversity, deps.forks));
  if (deps.forks !== undefined) app.use('/forks', auth, forksRouter(deps.forks));
  app.use('/metrics', auth, metricsRouter(deps.diversity, deps.forks));
  const introspectAuth =
    deps.introspectionCredentials === undefined ? auth : basicAuth([deps.introspectionCredentials, deps.credentials], { wrongCredentials: INTROSPECT_CREDENTIALS_HINT });
  app.use('/introspect', introspectAuth, introspectRouter(deps.bindings));
  if (deps.gateway !== undefined) app.use('/gateway', introspectAuth, gatewayRouter(deps.gateway));

  app.use(notFoundHandler());
  app.use(errorHandler());
  return app;
}
