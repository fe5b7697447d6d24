/**
 * The runner's settings from the environment (documented for operators in the README):
 *
 * | variable                          | meaning                                                         | default            |
 * |-----------------------------------|-----------------------------------------------------------------|--------------------|
 * | OVSB_TERRAFORM_BIN                | terraform (or OpenTofu `tofu`) binary, name or path             | `terraform`        |
 * | OVSB_TF_BACKEND                   | state backend: `local`, `pg` or `s3`                            | `local`            |
 * | OVSB_TF_PG_CONN_STR               | pg backend connection string                                    | OVSB_DATABASE_URL  |
 * | OVSB_TF_S3_BUCKET / _REGION       | s3 backend bucket and region (required for s3)                  |                    |
 * | OVSB_TF_S3_KEY_PREFIX             | s3 object key prefix                                            | `ovsb`             |
 * | OVSB_TF_S3_DYNAMODB_TABLE         | s3 lock table                                                   | S3 native locking  |
 * | OVSB_PROVIDER_MIRROR              | filesystem provider mirror (see cli-config.ts)                  | none               |
 * | OVSB_PROVIDER_MIRROR_ONLY         | `true`: providers from the mirror only, never from a registry   | false              |
 * | OVSB_MAX_CONCURRENT_APPLIES       | terraform runs at once                                          | 4                  |
 * | OVSB_TF_LOCK_TIMEOUT_SEC          | wait for a state lock held elsewhere                            | 60                 |
 * | OVSB_TF_INTERRUPT_GRACE_SEC       | SIGINT-to-SIGKILL grace when a run is interrupted               | 30                 |
 * | OVSB_TF_PASS_ENV                  | extra variable names passed to terraform (comma-separated)      | none               |
 *
 * Providers get their credentials from the environment; the runner passes only these through:
 * KUBECONFIG, KUBE_*, KUBERNETES_SERVICE_HOST/PORT (in-cluster), AWS_*, HTTP(S)_PROXY, NO_PROXY,
 * SSL_CERT_FILE, SSL_CERT_DIR, and the names in OVSB_TF_PASS_ENV. Terraform runs with HOME set to
 * `<data dir>/terraform/home`, so files under the broker's home are not found by default: give them by
 * absolute path (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE for `~/.aws`, KUBECONFIG or
 * KUBE_CONFIG_PATH for `~/.kube/config`); in-cluster and instance-profile credentials need no file.
 */
import { envInteger, envValue, type Env } from '../env';
import { ConfigError } from '../errors';
import type { StateBackend } from './backends';
import { checkMirrorOnly } from './cli-config';
import type { TerraformRunnerConfig } from './runner';

export type TerraformRunnerSettings = Omit<TerraformRunnerConfig, 'log' | 'dataVolumePredicate'>;


const PASSED_THROUGH = /^(KUBECONFIG|KUBE_[A-Z0-9_]+|KUBERNETES_SERVICE_(HOST|PORT)|AWS_[A-Z0-9_]+|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy|SSL_CERT_FILE|SSL_CERT_DIR)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;


function required(env: Env, name: string, why: string): string {
  const raw = envValue(env, name);
  if (raw === undefined) throw new ConfigError(name, '', `is required ${why}`);
  return raw;
}

const isPostgresUrl = (url: string | undefined): boolean => url !== undefined && /^postgres(ql)?:\/\//i.test(url);

/**
 * The state backend when OVSB_TF_BACKEND is unset: `pg` when the broker's database is PostgreSQL (the
 * choice for several replicas, and a replica must see every instance's state), else `local`.
 */
export function defaultBackendKind(env: Env): 'local' | 'pg' {
  return isPostgresUrl(envValue(env, 'OVSB_DATABASE_URL')) ? 'pg' : 'local';
}

function backend(env: Env): StateBackend {
  const kind = envValue(env, 'OVSB_TF_BACKEND') ?? defaultBackendKind(env);
  switch (kind) {
    case 'local':
      if (isPostgresUrl(envValue(env, 'OVSB_DATABASE_URL'))) {
        // Several replicas share the database but not the workspaces: an operation on a replica without
        // the instance's state would re-apply against nothing (duplicates) or destroy nothing.
        throw new ConfigError(
          'OVSB_TF_BACKEND',
          '',
          '"local" keeps terraform state in one replica\'s data dir, while OVSB_DATABASE_URL (PostgreSQL) lets several replicas run operations; ' +
            'use OVSB_TF_BACKEND=pg (or unset it: pg is the default with PostgreSQL) or s3',
        );
      }
      return { kind };
    case 'pg': {
      const connectionString = envValue(env, 'OVSB_TF_PG_CONN_STR') ?? envValue(env, 'OVSB_DATABASE_URL');
      if (connectionString === undefined || !/^postgres(ql)?:\/\//.test(connectionString)) {
        throw new ConfigError('OVSB_TF_PG_CONN_STR', '', 'is required with OVSB_TF_BACKEND=pg (postgres://user:password@host:5432/db); OVSB_DATABASE_URL is used when it is a postgres:// URL');
      }
      return { kind, connectionString };
    }
    case 's3': {
      const keyPrefix = envValue(env, 'OVSB_TF_S3_KEY_PREFIX');
      const dynamodbTable = envValue(env, 'OVSB_TF_S3_DYNAMODB_TABLE');
      return {
        kind,
        bucket: required(env, 'OVSB_TF_S3_BUCKET', 'with OVSB_TF_BACKEND=s3'),
        region: required(env, 'OVSB_TF_S3_REGION', 'with OVSB_TF_BACKEND=s3'),
        ...(keyPrefix !== undefined ? { keyPrefix } : {}),
        ...(dynamodbTable !== undefined ? { dynamodbTable } : {}),
      };
    }
    default:
      throw new ConfigError('OVSB_TF_BACKEND', '', `${JSON.stringify(kind)} is not a supported backend; use local, pg or s3`);
  }
}

function flag(env: Env, name: string): boolean {
  const raw = envValue(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(name, '', `${JSON.stringify(raw)} is not true or false`);
}

function providerEnv(env: Env): Record<string, string> {
  const extra = (envValue(env, 'OVSB_TF_PASS_ENV') ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of extra) {
    if (!ENV_NAME.test(name)) throw new ConfigError('OVSB_TF_PASS_ENV', '', `${JSON.stringify(name)} is not an environment variable name`);
  }
  const wanted = new Set(extra);
  const passed: Record<string, string> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (raw !== undefined && (PASSED_THROUGH.test(name) || wanted.has(name))) passed[name] = raw;
  }
  return passed;
}

export function terraformRunnerSettings(env: Env, dataDir: string): TerraformRunnerSettings {
  const providerMirror = envValue(env, 'OVSB_PROVIDER_MIRROR');
  const mirrorOnly = flag(env, 'OVSB_PROVIDER_MIRROR_ONLY');
  checkMirrorOnly({ mirrorOnly, providerMirror });
  return {
    terraformBin: envValue(env, 'OVSB_TERRAFORM_BIN') ?? 'terraform',
    dataDir,
    backend: backend(env),
    ...(providerMirror !== undefined ? { providerMirror } : {}),
    ...(mirrorOnly ? { providerMirrorOnly: true } : {}),
    maxConcurrent: envInteger(env, 'OVSB_MAX_CONCURRENT_APPLIES', 4, 1, 64),
    lockTimeoutMs: envInteger(env, 'OVSB_TF_LOCK_TIMEOUT_SEC', 60, 0, 3600) * 1000,
    interruptGraceMs: envInteger(env, 'OVSB_TF_INTERRUPT_GRACE_SEC', 30, 1, 3600) * 1000,
    providerEnv: providerEnv(env),
  };
}
