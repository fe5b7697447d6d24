/**
 * Binding credentials: the instance's consumer-facing terraform outputs (execution RPC over HTTP and WS,
 * beacon API, metrics, ...) plus the binding's own token, and the OSB `endpoints[]` derived from every
 * URL among them so a platform can open its network path.
 */
import type { BindingEndpoint, JsonObject, JsonValue } from '../operations/types';

export interface IssuedCredentials {
  readonly credentials: JsonObject;
  readonly endpoints: readonly BindingEndpoint[];
}

const URL_SCHEMES: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

/** `http://host:8545` -> host and port; undefined for anything that is not an http(s)/ws(s) URL. */
function endpointOf(value: JsonValue): { host: string; port: string } | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const defaultPort = URL_SCHEMES[url.protocol];
  if (defaultPort === undefined || url.hostname === '') return undefined;
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? defaultPort : url.port };
}

/** Every URL found among the values, nested objects included (metrics maps). */
function collectUrls(value: JsonValue, into: Map<string, Set<string>>): void {
  const endpoint = endpointOf(value);
  if (endpoint !== undefined) {
    const ports = into.get(endpoint.host) ?? new Set<string>();
    ports.add(endpoint.port);
    into.set(endpoint.host, ports);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const item of Array.isArray(value) ? (value as readonly JsonValue[]) : Object.values(value as JsonObject)) collectUrls(item, into);
  }
}

export interface CredentialOptions {
  /** The RPC gateway in front of the nodes (OVSB_GATEWAY_URL): its URLs replace the node URLs. @default none */
  readonly gateway?: { readonly url: string; readonly instanceId: string };
}

/**
 * The gateway's URLs of an instance, by the output names they replace (routes: src/gateway/routes.ts).
 * `url` has no trailing slash; the WebSocket URL takes ws(s) for http(s).
 */
export function gatewayUrls(url: string, instanceId: string): Record<'execution_http_url' | 'execution_ws_url' | 'beacon_api_url', string> {
  const base = `${url}/i/${encodeURIComponent(instanceId)}`;
  return {
    execution_http_url: `${base}/rpc`,
    execution_ws_url: `${base.replace(/^http/, 'ws')}/ws`,
    beacon_api_url: `${base}/beacon`,
  };
}

/**
 * `outputs` are what the provisioner stored for consumers (terraform outputs not marked sensitive);
 * `token` is the binding's secret, shown to the platform in the credentials (stored encrypted with them, so
 *   GET binding can return it) and hashed for introspection lookups;
 * `scopes` are what the token grants, as an OAuth2-style space-separated `scope`. With a gateway, the
 * execution and beacon URLs are the gateway's (the node URLs stay in the instance's outputs, the operator's view).
 */
export function bindingCredentials(outputs: JsonObject, token: string, scopes: readonly string[], options: CredentialOptions = {}): IssuedCredentials {
  const visible: JsonObject = options.gateway === undefined ? outputs : { ...outputs, ...gatewayUrls(options.gateway.url, options.gateway.instanceId) };
  const hosts = new Map<string, Set<string>>();
  collectUrls(visible, hosts);
  const endpoints: BindingEndpoint[] = [...hosts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, ports]) => ({ host, ports: [...ports].sort((a, b) => Number(a) - Number(b)), protocol: 'tcp' }));
  return { credentials: { ...visible, token, scope: scopes.join(' ') }, endpoints };
}
