/**
 * The gateway's composition root (`ovsb gateway`):
 *
 *   settings (OVSB_GATEWAY_*) -> BrokerClient (introspection credentials) -> TokenCache, InstanceCache,
 *   policy (GET /gateway/policy, refreshed every minute) -> http-proxy / ws-proxy on one port;
 *   Prometheus metrics on another.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { BrokerClient, type BrokerApi } from './broker-client';
import { InstanceCache, TokenCache } from './caches';
import type { GatewayContext } from './gate';
import { httpHandler } from './http-proxy';
import { ConcurrencyLimiter, RateLimiter } from './limits';
import { GatewayMetrics } from './metrics';
import { PolicyEngine } from './policy';
import { resolveGatewayCredentials, type GatewaySettings } from './settings';
import { Upstream } from './upstream';
import { upgradeHandler } from './ws-proxy';

export interface StartGatewayOptions {
  readonly settings: GatewaySettings;
  readonly logger: Logger;
  /** @default a BrokerClient on settings.brokerUrl with the introspection credentials */
  readonly broker?: BrokerApi;
}

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8081` */
  readonly url: string;
  readonly metricsUrl: string;
  close(): Promise<void>;
}

const POLICY_REFRESH_MS = 60_000;
const POLICY_RETRY_MS = 1_000;

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { settings, logger } = options;
  const broker = options.broker ?? new BrokerClient(settings.brokerUrl, resolveGatewayCredentials(settings));
  let policy: PolicyEngine | undefined;
  let policyTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const refresh = async (): Promise<void> => {
    try {
      policy = new PolicyEngine(await broker.policy());
      schedule(POLICY_REFRESH_MS);
    } catch (error) {
      logger.warn({ err: error }, 'could not load the gateway policy from the broker; retrying');
      schedule(policy === undefined ? POLICY_RETRY_MS : POLICY_REFRESH_MS);
    }
  };
  const schedule = (ms: number): void => {
    if (stopped) return;
    policyTimer = setTimeout(() => void refresh(), ms);
    policyTimer.unref();
  };

  const upstream = new Upstream(settings.upstreamTimeoutMs);
  const metrics = new GatewayMetrics();
  const ctx: GatewayContext = {
    settings,
    tokens: new TokenCache(broker, { positiveMs: settings.tokenCacheMs }),
    instances: new InstanceCache(broker, { ttlMs: settings.instanceCacheMs, overrides: settings.upstreamOverrides }),
    policy: () => policy,
    rates: new RateLimiter(),
    authFailures: new RateLimiter(),
    inflight: new ConcurrencyLimiter(),
    websockets: new ConcurrencyLimiter(),
    metrics,
    upstream,
    logger,
  };
  await refresh();

  const server = createServer({ keepAliveTimeout: 65_000 }, httpHandler(ctx));
  const ws = upgradeHandler(ctx);
  server.on('upgrade', ws.handle);
  const metricsServer = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  try {
    await listen(server, settings.port, settings.host);
    await listen(metricsServer, settings.metricsPort, settings.host);
  } catch (error) {
    stopped = true;
    clearTimeout(policyTimer);
    server.close();
    metricsServer.close();
    throw error;
  }
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const metricsUrl = `http://${host}:${(metricsServer.address() as AddressInfo).port}/metrics`;
  logger.info({ url, metrics: metricsUrl, broker: settings.brokerUrl, tokenCacheSec: settings.tokenCacheMs / 1000 }, 'gateway listening');
  return {
    url,
    metricsUrl,
    async close() {
      stopped = true;
      clearTimeout(policyTimer);
      ws.close();
      await Promise.all([close(server), close(metricsServer)]);
      upstream.close();
      logger.info('gateway stopped');
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
