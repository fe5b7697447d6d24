/**
 * The gateway's settings (`ovsb gateway`), read from the environment once at start-up. Pure: parsing only;
 * the introspection password file is read by `resolveGatewayCredentials`.
 *
 * | variable                             | default                | meaning                                          |
 * |--------------------------------------|------------------------|--------------------------------------------------|
 * | OVSB_GATEWAY_PORT                    | 8081                   | TCP port (0 picks a free one)                    |
 * | OVSB_GATEWAY_HOST                    | 127.0.0.1              | listen address                                   |
 * | OVSB_GATEWAY_METRICS_PORT            | 8082                   | Prometheus /metrics (on OVSB_GATEWAY_HOST)       |
 * | OVSB_BROKER_URL                      | http://127.0.0.1:8080  | the broker (introspection, policy, upstreams)    |
 * | OVSB_INTROSPECT_USERNAME / _PASSWORD | introspect / data dir  | the broker's introspection credentials           |
 * | OVSB_DATA_DIR                        | ./.ovsb                | where the broker keeps introspect-password       |
 * | OVSB_GATEWAY_TOKEN_CACHE_SEC         | 5                      | positive token cache: the revocation bound       |
 * | OVSB_GATEWAY_INSTANCE_CACHE_SEC      | 30                     | how long upstream URLs and limits are reused     |
 * | OVSB_GATEWAY_AUTH_FAILURES_PER_MIN   | 30                     | failed token checks per client address, then 429 |
 * | OVSB_GATEWAY_CLIENT_IP_HEADER        | none (socket address)  | header a trusted proxy sets (last value is used) |
 * | OVSB_GATEWAY_MAX_BODY_BYTES          | 1048576                | request body / WebSocket message limit           |
 * | OVSB_GATEWAY_MAX_BATCH               | 100                    | calls in one JSON-RPC batch                      |
 * | OVSB_GATEWAY_UPSTREAM_TIMEOUT_SEC    | 30                     | until the node's answer (headers) arrives        |
 * | OVSB_GATEWAY_UPSTREAMS               | none                   | operator overrides of instances' node URLs       |
 * | OVSB_LOG_LEVEL                       | info                   | as the broker's                                  |
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_INTROSPECT_USERNAME, INTROSPECT_PASSWORD_FILE, LOG_LEVELS, readPasswordFile, type LogLevel } from '../config';
import { ConfigError } from '../errors';
import { UPSTREAM_OUTPUTS, type Upstreams } from '../service/gateway-directory';

export interface GatewaySettings {
  readonly port: number;
  readonly host: string;
  readonly metricsPort: number;
  /** Without a trailing slash. */
  readonly brokerUrl: string;
  readonly introspect: { readonly username: string; readonly password?: string };
  /** Absolute. */
  readonly dataDir: string;
  readonly tokenCacheMs: number;
  readonly instanceCacheMs: number;
  readonly authFailuresPerMinute: number;
  /** Lower-case header name. @default undefined: the socket's address */
  readonly clientIpHeader?: string;
  readonly maxBodyBytes: number;
  readonly maxBatch: number;
  readonly upstreamTimeoutMs: number;
  /** Instance id -> node URLs used instead of the broker's. */
  readonly upstreamOverrides: ReadonlyMap<string, Upstreams>;
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

const read = (env: Env, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
};

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = read(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(name, '', `"${text}" is not an integer from ${min} to ${max}; set it to e.g. ${fallback} or unset it for ${fallback}`);
  }
  return Number(text);
}

function url(name: string, text: string, schemes: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(name, '', `"${text}" is not a URL; use e.g. ${schemes[0]}//127.0.0.1:8545`);
  }
  if (!schemes.includes(parsed.protocol)) throw new ConfigError(name, '', `"${text}" must be a ${schemes.map((s) => s.slice(0, -1)).join(' or ')} URL`);
  return parsed;
}

const UPSTREAM_SCHEMES: Readonly<Record<string, readonly string[]>> = {
  execution_http_url: ['http:', 'https:'],
  execution_ws_url: ['ws:', 'wss:'],
  beacon_api_url: ['http:', 'https:'],
};

/**
 * The override file (YAML or JSON): `instances: { <instance id>: { execution_http_url, execution_ws_url,
 * beacon_api_url } }`. For when the gateway reaches an instance's nodes by another address than the one
 * terraform published, e.g. through another network, or a sandbox instance (which runs no node) put in
 * front of a development chain. Operator-side on purpose: node URLs a platform user could choose would make
 * the gateway a proxy to anywhere.
 */
export function parseUpstreamOverrides(text: string, source: string): Map<string, Upstreams> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigError(source, '', `is not YAML or JSON (${(error as Error).message})`);
  }
  const instances = (document as { instances?: unknown } | null)?.instances;
  if (document === null || typeof document !== 'object' || Object.keys(document).some((key) => key !== 'instances') || instances === null || typeof instances !== 'object' || Array.isArray(instances)) {
    throw new ConfigError(source, '', 'expected `instances: { <instance id>: { execution_http_url, execution_ws_url, beacon_api_url } }`');
  }
  const out = new Map<string, Upstreams>();
  for (const [id, entry] of Object.entries(instances as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new ConfigError(source, `instances.${id}`, 'expected a mapping of node URLs');
    const upstreams: Upstreams = {};
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (!(UPSTREAM_OUTPUTS as readonly string[]).includes(key)) {
        throw new ConfigError(source, `instances.${id}.${key}`, `unknown key "${key}"; expected one of: ${UPSTREAM_OUTPUTS.join(', ')}`);
      }
      if (typeof value !== 'string') throw new ConfigError(source, `instances.${id}.${key}`, 'expected a URL string');
      upstreams[key as keyof Upstreams] = url(`${source} at instances.${id}.${key}`, value, UPSTREAM_SCHEMES[key]!).toString().replace(/\/+$/, '');
    }
    out.set(id, upstreams);
  }
  return out;
}

/** Parses the variables; relative paths resolve against `cwd`. Throws ConfigError naming the variable. */
export function loadGatewaySettings(env: Env = process.env, cwd: string = process.cwd()): GatewaySettings {
  const host = read(env, 'OVSB_GATEWAY_HOST') ?? '127.0.0.1';
  if (/\s|\//.test(host)) throw new ConfigError('OVSB_GATEWAY_HOST', '', `"${host}" is not a host name or IP address; use e.g. 127.0.0.1 or 0.0.0.0`);
  const brokerUrl = url('OVSB_BROKER_URL', read(env, 'OVSB_BROKER_URL') ?? 'http://127.0.0.1:8080', ['http:', 'https:']).toString().replace(/\/+$/, '');
  const username = read(env, 'OVSB_INTROSPECT_USERNAME') ?? DEFAULT_INTROSPECT_USERNAME;
  const password = env['OVSB_INTROSPECT_PASSWORD'] === undefined || env['OVSB_INTROSPECT_PASSWORD'] === '' ? undefined : env['OVSB_INTROSPECT_PASSWORD'];
  const header = read(env, 'OVSB_GATEWAY_CLIENT_IP_HEADER')?.toLowerCase();
  if (header !== undefined && !/^[a-z0-9-]+$/.test(header)) {
    throw new ConfigError('OVSB_GATEWAY_CLIENT_IP_HEADER', '', `"${header}" is not a header name; use e.g. x-forwarded-for`);
  }
  const overridesPath = read(env, 'OVSB_GATEWAY_UPSTREAMS');
  let upstreamOverrides = new Map<string, Upstreams>();
  if (overridesPath !== undefined) {
    const path = resolve(cwd, overridesPath);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError('OVSB_GATEWAY_UPSTREAMS', '', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    upstreamOverrides = parseUpstreamOverrides(text, path);
  }
  const logLevel = read(env, 'OVSB_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError('OVSB_LOG_LEVEL', '', `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    port: integer(env, 'OVSB_GATEWAY_PORT', 8081, 0, 65535),
    host,
    metricsPort: integer(env, 'OVSB_GATEWAY_METRICS_PORT', 8082, 0, 65535),
    brokerUrl,
    introspect: { username, ...(password !== undefined && { password }) },
    dataDir: resolve(cwd, read(env, 'OVSB_DATA_DIR') ?? '.ovsb'),
    tokenCacheMs: integer(env, 'OVSB_GATEWAY_TOKEN_CACHE_SEC', 5, 0, 300) * 1000,
    instanceCacheMs: integer(env, 'OVSB_GATEWAY_INSTANCE_CACHE_SEC', 30, 0, 3600) * 1000,
    authFailuresPerMinute: integer(env, 'OVSB_GATEWAY_AUTH_FAILURES_PER_MIN', 30, 1, 100_000),
    ...(header !== undefined && { clientIpHeader: header }),
    maxBodyBytes: integer(env, 'OVSB_GATEWAY_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxBatch: integer(env, 'OVSB_GATEWAY_MAX_BATCH', 100, 1, 10_000),
    upstreamTimeoutMs: integer(env, 'OVSB_GATEWAY_UPSTREAM_TIMEOUT_SEC', 30, 1, 3600) * 1000,
    upstreamOverrides,
    logLevel: logLevel as LogLevel,
  };
}

/**
 * The introspection credentials: OVSB_INTROSPECT_PASSWORD, else the password the broker generated in the
 * shared data dir. The gateway never generates one (the broker would not know it).
 */
export function resolveGatewayCredentials(settings: GatewaySettings): { username: string; password: string } {
  const { username, password } = settings.introspect;
  if (password !== undefined) return { username, password };
  const path = resolve(settings.dataDir, INTROSPECT_PASSWORD_FILE);
  try {
    return { username, password: readPasswordFile(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ConfigError(
      'OVSB_INTROSPECT_PASSWORD',
      '',
      `is not set and ${path} does not exist; set it to the broker's introspection password, or point OVSB_DATA_DIR at the broker's data dir (after the broker's first start)`,
    );
  }
}
