/**
 * The broker's settings, read from the environment once at start-up (`ovsb serve`).
 *
 * | variable                     | default              | meaning                                              |
 * |------------------------------|----------------------|------------------------------------------------------|
 * | OVSB_PORT                    | 8080                 | TCP port (0 picks a free one)                        |
 * | OVSB_HOST                    | 127.0.0.1            | listen address (0.0.0.0 to serve other hosts)        |
 * | OVSB_USERNAME                | ovsb                 | HTTP Basic user platforms authenticate with          |
 * | OVSB_PASSWORD                | generated            | generated on first start, printed once, kept in      |
 * |                              |                      | `<data dir>/broker-password` (0600) and reused       |
 * | OVSB_INTROSPECT_USERNAME     | introspect           | HTTP Basic user of /introspect and /gateway only (RPC|
 * |                              |                      | gateways); the broker credentials work there too     |
 * | OVSB_INTROSPECT_PASSWORD     | generated            | as OVSB_PASSWORD, kept in                            |
 * |                              |                      | `<data dir>/introspect-password` (0600)              |
 * | OVSB_DATA_DIR                | ./.ovsb              | SQLite database, keys, terraform workspaces (0700)   |
 * | OVSB_DATABASE_URL            | (SQLite)             | postgres://... for PostgreSQL (several replicas)     |
 * | OVSB_CATALOG                 | bundled catalog.yaml | the operator's catalog                               |
 * | OVSB_TERRAFORM_BIN           | terraform            | terraform or OpenTofu binary (name on PATH or path)  |
 * | OVSB_TF_BACKEND              | local (pg with       | terraform state backend: local, pg or s3; local is   |
 * |                              | PostgreSQL)          | refused with PostgreSQL (several replicas)           |
 * | OVSB_MAX_CONCURRENT_APPLIES  | 4                    | terraform runs at once in this process               |
 * | OVSB_ENCRYPTION_KEY          | generated            | 32-byte key for secrets at rest (src/crypto/keys.ts) |
 * | OVSB_PROVIDER_MIRROR         | none                 | filesystem mirror of terraform providers             |
 * | OVSB_LOG_LEVEL               | info                 | trace, debug, info, warn, error, fatal or silent     |
 * | OVSB_PUBLIC_URL              | none                 | URL users reach the broker at; instances then get    |
 * |                              |                      | a dashboard_url into its /dashboard                  |
 * | OVSB_DIVERSITY_DATA          | bundled              | network-wide shares file (data/diversity.json format)|
 * | OVSB_DIVERSITY_REFRESH_HOURS | 0 (off)              | refresh the shares from their feeds every N hours    |
 * | OVSB_DIVERSITY_FEEDS         | each snapshot's url  | `mainnet.consensus=https://...,...` feed overrides   |
 * | OVSB_RETENTION_DAYS          | 90                   | history of deprovisioned instances and deleted       |
 * |                              |                      | bindings is removed after this many days (0: never)  |
 * | OVSB_GATEWAY_URL             | none                 | public URL of the RPC gateway (`ovsb gateway`):      |
 * |                              |                      | binding credentials then point at it                 |
 *
 * The terraform variables (and the backend's own: OVSB_TF_PG_CONN_STR, OVSB_TF_S3_*, ...) are parsed by
 * the runner's `terraformRunnerSettings` (src/terraform/settings.ts), so each has one reading.
 *
 * Pure: `loadConfig` only parses; files (password, key) are handled by `resolveBrokerCredentials` and
 * src/crypto at start-up.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENCRYPTION_KEY_ENV, ensurePrivateDir, parseEncryptionKey } from './crypto/keys';
import { generatePassword } from './crypto/tokens';
import { NETWORKS, type Network } from '../modules/clients/types';
import { LAYERS, type Layer } from './diversity/data';
import { envInteger, envValue, type Env } from './env';
import { ConfigError } from './errors';
import { storageEngineFor } from './storage';
import { terraformRunnerSettings, type TerraformRunnerSettings } from './terraform/settings';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_USERNAME = 'ovsb';
/** File in the data dir holding the generated broker password. */
export const PASSWORD_FILE = 'broker-password';
export const DEFAULT_INTROSPECT_USERNAME = 'introspect';
/** File in the data dir holding the generated introspection password. */
export const INTROSPECT_PASSWORD_FILE = 'introspect-password';

export interface BrokerConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute. */
  readonly dataDir: string;
  /** @default undefined (SQLite in dataDir) */
  readonly databaseUrl?: string;
  /** Absolute. @default undefined (the bundled catalog.yaml) */
  readonly catalogPath?: string;
  /** Binary, state backend, pool size, provider mirror (absolute), lock and interrupt timings. */
  readonly terraform: TerraformRunnerSettings;
  readonly logLevel: LogLevel;
  readonly username: string;
  /** @default undefined: generated on first start (see resolveBrokerCredentials) */
  readonly password?: string;
  /**
   * Credentials accepted on POST /introspect and GET /gateway/* only, so an RPC gateway never holds credentials that can
   * provision or deprovision. @default username `introspect`, password generated (resolveIntrospectionCredentials)
   */
  readonly introspect: { readonly username: string; readonly password?: string };
  /** Without a trailing slash. @default undefined: instances get no dashboard_url */
  readonly publicUrl?: string;
  /** The RPC gateway's public URL, without a trailing slash. @default undefined: credentials give the node URLs */
  readonly gatewayUrl?: string;
  readonly diversity: DiversityConfig;
  /** Days the history of deprovisioned instances and deleted bindings is kept (`OVSB_RETENTION_DAYS`); 0 keeps it forever. */
  readonly retentionDays: number;
  /** Days after which a bundled data set (releases, diversity shares, Lido relays) is reported stale. @default 30 */
  readonly dataMaxAgeDays: number;
}

export interface DiversityFeed {
  readonly network: Network;
  readonly layer: Layer;
  readonly url: string;
}

export interface DiversityConfig {
  /** Absolute. @default undefined: the bundled data/diversity.json (or the last refresh kept in the data dir) */
  readonly dataPath?: string;
  /** 0: never refresh. */
  readonly refreshHours: number;
  /** Per network and layer; others refresh from the url their snapshot names. @default none */
  readonly feeds: readonly DiversityFeed[];
}


function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const text = envValue(env, name);
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(name, '', `"${text}" is not one of ${allowed.join(', ')}; unset it for ${fallback}`);
  }
  return text as T;
}

/** Parses the OVSB_* variables; relative paths resolve against `cwd`. Throws ConfigError naming the variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): BrokerConfig {
  const databaseUrl = envValue(env, 'OVSB_DATABASE_URL');
  storageEngineFor(databaseUrl);
  const username = basicUsername(env, 'OVSB_USERNAME', DEFAULT_USERNAME);
  const password = basicPassword(env, 'OVSB_PASSWORD');
  const introspect = { username: basicUsername(env, 'OVSB_INTROSPECT_USERNAME', DEFAULT_INTROSPECT_USERNAME), password: basicPassword(env, 'OVSB_INTROSPECT_PASSWORD') };
  if (introspect.password !== undefined && introspect.password === password) {
    throw new ConfigError('OVSB_INTROSPECT_PASSWORD', '', 'equals OVSB_PASSWORD, so a gateway holding it could provision and deprovision; choose a different password or unset it to have one generated');
  }
  const host = envValue(env, 'OVSB_HOST') ?? '127.0.0.1';
  if (/\s|\//.test(host)) {
    throw new ConfigError('OVSB_HOST', '', `"${host}" is not a host name or IP address; use e.g. 127.0.0.1 or 0.0.0.0`);
  }
  const key = envValue(env, ENCRYPTION_KEY_ENV);
  if (key !== undefined) parseEncryptionKey(key, ENCRYPTION_KEY_ENV);
  const catalog = envValue(env, 'OVSB_CATALOG');
  const dataDir = resolve(cwd, envValue(env, 'OVSB_DATA_DIR') ?? '.ovsb');
  const terraform = terraformRunnerSettings(env, dataDir);
  const publicUrlText = envValue(env, 'OVSB_PUBLIC_URL');
  const publicUrl = publicUrlText === undefined ? undefined : httpUrl('OVSB_PUBLIC_URL', publicUrlText).toString().replace(/\/+$/, '');
  const diversityData = envValue(env, 'OVSB_DIVERSITY_DATA');
  const gatewayUrlText = envValue(env, 'OVSB_GATEWAY_URL');
  const gatewayUrl = gatewayUrlText === undefined ? undefined : httpUrl('OVSB_GATEWAY_URL', gatewayUrlText).toString().replace(/\/+$/, '');
  return {
    port: envInteger(env, 'OVSB_PORT', 8080, 0, 65535),
    host,
    dataDir,
    ...(databaseUrl !== undefined && { databaseUrl }),
    ...(catalog !== undefined && { catalogPath: resolve(cwd, catalog) }),
    terraform: {
      ...terraform,
      ...(terraform.providerMirror !== undefined && { providerMirror: resolve(cwd, terraform.providerMirror) }),
    },
    logLevel: oneOf(env, 'OVSB_LOG_LEVEL', LOG_LEVELS, 'info'),
    username,
    ...(password !== undefined && { password }),
    introspect: { username: introspect.username, ...(introspect.password !== undefined && { password: introspect.password }) },
    ...(publicUrl !== undefined && { publicUrl }),
    retentionDays: envInteger(env, 'OVSB_RETENTION_DAYS', 90, 0, 36_500),
    ...(gatewayUrl !== undefined && { gatewayUrl }),
    diversity: {
      ...(diversityData !== undefined && { dataPath: resolve(cwd, diversityData) }),
      refreshHours: envInteger(env, 'OVSB_DIVERSITY_REFRESH_HOURS', 0, 0, 24 * 30),
      feeds: diversityFeeds(envValue(env, 'OVSB_DIVERSITY_FEEDS')),
    },
    dataMaxAgeDays: envInteger(env, 'OVSB_DATA_MAX_AGE_DAYS', 30, 1, 3650),
  };
}

function basicUsername(env: Env, name: string, fallback: string): string {
  const username = envValue(env, name) ?? fallback;
  if (username.includes(':')) {
    throw new ConfigError(name, '', 'contains ":", which HTTP Basic authentication cannot carry in a user name; choose a name without it');
  }
  return username;
}

function basicPassword(env: Env, name: string): string | undefined {
  // Not trimmed: a password may legitimately start or end with spaces.
  const password = env[name] === undefined || env[name] === '' ? undefined : env[name];
  if (password !== undefined && password.length < 12) {
    throw new ConfigError(name, '', `is ${password.length} characters; use at least 12 (e.g. \`openssl rand -base64 24\`), or unset it to have one generated`);
  }
  return password;
}

function httpUrl(name: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, '', `"${text}" is not a URL; use e.g. https://broker.example.org`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(name, '', `"${text}" must be an http(s) URL`);
  return url;
}

/** `mainnet.consensus=https://...,mainnet.execution=https://...` */
function diversityFeeds(text: string | undefined): DiversityFeed[] {
  if (text === undefined) return [];
  return text.split(',').map((item) => {
    const match = /^\s*([a-z]+)\.([a-z]+)=(\S+)\s*$/.exec(item);
    const network = match?.[1] as Network | undefined;
    const layer = match?.[2] as Layer | undefined;
    if (match === null || !NETWORKS.includes(network!) || !LAYERS.includes(layer!)) {
      throw new ConfigError(
        'OVSB_DIVERSITY_FEEDS',
        '',
        `"${item}" is not <network>.<layer>=<url> with a network of ${NETWORKS.join(', ')} and a layer of ${LAYERS.join(', ')}`,
      );
    }
    return { network: network!, layer: layer!, url: httpUrl('OVSB_DIVERSITY_FEEDS', match[3]!).toString() };
  });
}

export interface BrokerCredentials {
  readonly username: string;
  readonly password: string;
  /** True when the password was generated by this call (print it once). */
  readonly generated: boolean;
  /** Where a generated password is kept; undefined when it came from OVSB_PASSWORD. */
  readonly passwordFile?: string;
}

/** A kept password: refused when group or others may read it, or when empty. */
export function readPasswordFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(path, '', `is readable by group or others (mode ${mode.toString(8)}); run \`chmod 600 ${path}\``);
  }
  const password = readFileSync(path, 'utf8').trim();
  if (password === '') throw new ConfigError(path, '', 'is empty; delete it to have a new password generated, or set OVSB_PASSWORD');
  return password;
}

/**
 * The Basic credentials platforms must present: OVSB_PASSWORD, else the password kept in the data dir,
 * else a new one written there (0600; if two processes race, both end with the file's password).
 */
export function resolveBrokerCredentials(config: BrokerConfig): BrokerCredentials {
  return resolveCredentials(config.dataDir, PASSWORD_FILE, config.username, config.password);
}

/**
 * The Basic credentials of POST /introspect (RPC gateways): OVSB_INTROSPECT_PASSWORD, else a password
 * generated and kept like the broker's, in its own file.
 */
export function resolveIntrospectionCredentials(config: BrokerConfig): BrokerCredentials {
  return resolveCredentials(config.dataDir, INTROSPECT_PASSWORD_FILE, config.introspect.username, config.introspect.password);
}

function resolveCredentials(dataDir: string, file: string, username: string, password: string | undefined): BrokerCredentials {
  if (password !== undefined) return { username, password, generated: false };
  ensurePrivateDir(dataDir);
  const path = join(dataDir, file);
  try {
    return { username, password: readPasswordFile(path), generated: false, passwordFile: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${generatePassword()}\n`, { mode: 0o600, flag: 'wx' });
  let created = true;
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false;
  } finally {
    rmSync(temp, { force: true });
  }
  chmodSync(path, 0o600);
  return { username, password: readPasswordFile(path), generated: created, passwordFile: path };
}
