/**
 * The gateway's calls to the broker, with the introspection credentials: POST /introspect (is a token
 * live, what does it grant), GET /gateway/policy and GET /gateway/instances/:id. Answers are checked for
 * shape; anything else is an ExternalError naming the broker route.
 */
import { ExternalError } from '../errors';
import { BEACON_METHODS, type BeaconRoute, type GatewayLimits, type GatewayPolicy } from './policy';
import { UPSTREAM_OUTPUTS, type Upstreams } from '../service/gateway-directory';

export type TokenInfo =
  | { readonly active: false }
  | { readonly active: true; readonly scope: string; readonly instanceId: string; readonly bindingId: string; readonly planId: string };

export interface InstanceInfo {
  readonly instanceId: string;
  readonly planId: string;
  readonly upstreams: Upstreams;
  readonly limits: GatewayLimits;
}

/** What the gateway needs from the broker; a seam so tests of the layers above can count calls. */
export interface BrokerApi {
  introspect(token: string): Promise<TokenInfo>;
  /** Undefined when the instance does not exist or does not serve. */
  instance(instanceId: string): Promise<InstanceInfo | undefined>;
  policy(): Promise<GatewayPolicy>;
}

const TIMEOUT_MS = 5_000;

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isStringTable = (value: unknown): value is Record<string, string> => isRecord(value) && Object.values(value).every((v) => typeof v === 'string');

export class BrokerClient implements BrokerApi {
  private readonly authorization: string;

  constructor(
    private readonly baseUrl: string,
    credentials: { readonly username: string; readonly password: string },
  ) {
    this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  async introspect(token: string): Promise<TokenInfo> {
    const { status, body } = await this.call('POST', '/introspect', { token });
    if (status !== 200 || !isRecord(body) || typeof body['active'] !== 'boolean') throw this.unexpected('POST /introspect', status);
    if (body['active'] !== true) return { active: false };
    const { scope, instance_id: instanceId, binding_id: bindingId, plan_id: planId } = body;
    if (typeof scope !== 'string' || typeof instanceId !== 'string' || typeof bindingId !== 'string' || typeof planId !== 'string') {
      throw this.unexpected('POST /introspect', status);
    }
    return { active: true, scope, instanceId, bindingId, planId };
  }

  async instance(instanceId: string): Promise<InstanceInfo | undefined> {
    const route = `/gateway/instances/${encodeURIComponent(instanceId)}`;
    const { status, body } = await this.call('GET', route);
    if (status === 404) return undefined;
    const limits = isRecord(body) ? body['limits'] : undefined;
    const upstreams = isRecord(body) ? body['upstreams'] : undefined;
    if (status !== 200 || !isRecord(body) || typeof body['plan_id'] !== 'string' || !isStringTable(upstreams) || !isRecord(limits)) throw this.unexpected(`GET ${route}`, status);
    const limit = (key: string): number => {
      const value = limits[key];
      if (typeof value !== 'number' || !(value > 0)) throw this.unexpected(`GET ${route}`, status);
      return value;
    };
    return {
      instanceId,
      planId: body['plan_id'],
      upstreams: Object.fromEntries(Object.entries(upstreams).filter(([key]) => (UPSTREAM_OUTPUTS as readonly string[]).includes(key))),
      limits: { requestsPerSecond: limit('requests_per_second'), burst: limit('burst'), concurrency: limit('concurrency'), websockets: limit('websockets') },
    };
  }

  async policy(): Promise<GatewayPolicy> {
    const { status, body } = await this.call('GET', '/gateway/policy');
    const beacon = isRecord(body) ? body['beacon'] : undefined;
    const routes = Array.isArray(beacon) ? beacon : [];
    const validRoute = (route: unknown): route is BeaconRoute =>
      isRecord(route) && (BEACON_METHODS as readonly unknown[]).includes(route['method']) && typeof route['path'] === 'string' && typeof route['action'] === 'string';
    if (status !== 200 || !isRecord(body) || !isStringTable(body['methods']) || !isStringTable(body['subscriptions']) || !Array.isArray(beacon) || !routes.every(validRoute)) {
      throw this.unexpected('GET /gateway/policy', status);
    }
    return { methods: body['methods'], subscriptions: body['subscriptions'], beacon: routes };
  }

  private async call(method: string, path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { Authorization: this.authorization, Accept: 'application/json', ...(json !== undefined && { 'Content-Type': 'application/json' }) },
        ...(json !== undefined && { body: JSON.stringify(json) }),
        signal: controller.signal,
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (response.status === 401) throw new ExternalError(`the broker refused the gateway's credentials on ${method} ${path}; set OVSB_INTROSPECT_USERNAME / OVSB_INTROSPECT_PASSWORD to the broker's introspection credentials`, { source: 'broker' });
      return { status: response.status, body };
    } catch (error) {
      if (error instanceof ExternalError) throw error;
      throw new ExternalError(`the broker at ${this.baseUrl} did not answer ${method} ${path} (${(error as Error).message})`, { source: 'broker' }, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private unexpected(route: string, status: number): ExternalError {
    return new ExternalError(`the broker answered ${route} with status ${status} and a body of the wrong shape; are the gateway and broker the same release?`, { source: 'broker' });
  }
}
