import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/errors';
import { renderCliConfig } from '../../src/terraform/cli-config';
import { terraformRunnerSettings } from '../../src/terraform/settings';

describe('terraformRunnerSettings', () => {
  it('defaults to terraform on PATH, local state, 4 concurrent runs', () => {
    expect(terraformRunnerSettings({}, '/data')).toEqual({
      terraformBin: 'terraform',
      dataDir: '/data',
      backend: { kind: 'local' },
      maxConcurrent: 4,
      lockTimeoutMs: 60_000,
      interruptGraceMs: 30_000,
      providerEnv: {},
    });
  });

  it('reads every variable', () => {
    const settings = terraformRunnerSettings(
      {
        OVSB_TERRAFORM_BIN: '/usr/bin/tofu',
        OVSB_TF_BACKEND: 's3',
        OVSB_TF_S3_BUCKET: 'tf-state',
        OVSB_TF_S3_REGION: 'eu-west-1',
        OVSB_TF_S3_KEY_PREFIX: 'brokers/prod',
        OVSB_TF_S3_DYNAMODB_TABLE: 'tf-locks',
        OVSB_PROVIDER_MIRROR: '/srv/mirror',
        OVSB_PROVIDER_MIRROR_ONLY: 'true',
        OVSB_MAX_CONCURRENT_APPLIES: '8',
        OVSB_TF_LOCK_TIMEOUT_SEC: '120',
        OVSB_TF_INTERRUPT_GRACE_SEC: '90',
      },
      '/data',
    );
    expect(settings).toMatchObject({
      terraformBin: '/usr/bin/tofu',
      backend: { kind: 's3', bucket: 'tf-state', region: 'eu-west-1', keyPrefix: 'brokers/prod', dynamodbTable: 'tf-locks' },
      providerMirror: '/srv/mirror',
      providerMirrorOnly: true,
      maxConcurrent: 8,
      lockTimeoutMs: 120_000,
      interruptGraceMs: 90_000,
    });
  });

  it('takes the pg connection string from OVSB_TF_PG_CONN_STR, else from OVSB_DATABASE_URL', () => {
    expect(terraformRunnerSettings({ OVSB_TF_BACKEND: 'pg', OVSB_DATABASE_URL: 'postgres://a@db/ovsb' }, '/d').backend).toEqual({
      kind: 'pg',
      connectionString: 'postgres://a@db/ovsb',
    });
    expect(
      terraformRunnerSettings({ OVSB_TF_BACKEND: 'pg', OVSB_DATABASE_URL: 'postgres://a@db/ovsb', OVSB_TF_PG_CONN_STR: 'postgresql://b@db/state' }, '/d').backend,
    ).toEqual({ kind: 'pg', connectionString: 'postgresql://b@db/state' });
  });

  it('defaults to the pg backend when the database is PostgreSQL, and refuses local with it (replicas would not see each other\'s state)', () => {
    expect(terraformRunnerSettings({ OVSB_DATABASE_URL: 'postgres://a@db/ovsb' }, '/d').backend).toEqual({ kind: 'pg', connectionString: 'postgres://a@db/ovsb' });
    expect(terraformRunnerSettings({}, '/d').backend).toEqual({ kind: 'local' });
    expect(() => terraformRunnerSettings({ OVSB_DATABASE_URL: 'postgres://a@db/ovsb', OVSB_TF_BACKEND: 'local' }, '/d')).toThrow(/OVSB_TF_BACKEND.*"local".*pg/);
  });

  it('passes provider credentials through, and only those', () => {
    const { providerEnv } = terraformRunnerSettings(
      {
        KUBECONFIG: '/k',
        KUBE_CTX: 'prod',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        AWS_PROFILE: 'ops',
        HTTPS_PROXY: 'http://proxy:3128',
        OVSB_PASSWORD: 'broker-secret',
        OVSB_ENCRYPTION_KEY: 'key',
        GOOGLE_CREDENTIALS: '{}',
        OVSB_TF_PASS_ENV: 'GOOGLE_CREDENTIALS, ',
      },
      '/d',
    );
    expect(providerEnv).toEqual({
      KUBECONFIG: '/k',
      KUBE_CTX: 'prod',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      AWS_PROFILE: 'ops',
      HTTPS_PROXY: 'http://proxy:3128',
      GOOGLE_CREDENTIALS: '{}',
    });
  });

  it.each<[string, Record<string, string>, string]>([
    ['an unknown backend', { OVSB_TF_BACKEND: 'consul' }, 'OVSB_TF_BACKEND'],
    ['pg without a connection string', { OVSB_TF_BACKEND: 'pg' }, 'OVSB_TF_PG_CONN_STR'],
    ['pg with a sqlite database url only', { OVSB_TF_BACKEND: 'pg', OVSB_DATABASE_URL: 'sqlite:x' }, 'OVSB_TF_PG_CONN_STR'],
    ['s3 without bucket', { OVSB_TF_BACKEND: 's3', OVSB_TF_S3_REGION: 'eu-west-1' }, 'OVSB_TF_S3_BUCKET'],
    ['s3 without region', { OVSB_TF_BACKEND: 's3', OVSB_TF_S3_BUCKET: 'b' }, 'OVSB_TF_S3_REGION'],
    ['zero concurrency', { OVSB_MAX_CONCURRENT_APPLIES: '0' }, 'OVSB_MAX_CONCURRENT_APPLIES'],
    ['fractional concurrency', { OVSB_MAX_CONCURRENT_APPLIES: '2.5' }, 'OVSB_MAX_CONCURRENT_APPLIES'],
    ['a bad pass-through name', { OVSB_TF_PASS_ENV: 'A-B' }, 'OVSB_TF_PASS_ENV'],
    ['mirror-only without a mirror', { OVSB_PROVIDER_MIRROR_ONLY: 'true' }, 'OVSB_PROVIDER_MIRROR_ONLY'],
    ['mirror-only not a boolean', { OVSB_PROVIDER_MIRROR: '/srv/mirror', OVSB_PROVIDER_MIRROR_ONLY: 'yes' }, 'OVSB_PROVIDER_MIRROR_ONLY'],
  ])('refuses %s, naming the variable', (_case, env, variable) => {
    expect(() => terraformRunnerSettings(env, '/d')).toThrow(ConfigError);
    expect(() => terraformRunnerSettings(env, '/d')).toThrow(expect.objectContaining({ source: variable }));
  });

  it('GIVEN mirror-only without a mirror THEN the settings refuse it with the CLI config renderer\'s message', () => {
    const refusal = (action: () => unknown): string => {
      try {
        action();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    const fromSettings = refusal(() => terraformRunnerSettings({ OVSB_PROVIDER_MIRROR_ONLY: 'true' }, '/d'));
    expect(fromSettings).toMatch(/^OVSB_PROVIDER_MIRROR_ONLY: needs OVSB_PROVIDER_MIRROR/);
    expect(fromSettings).toBe(refusal(() => renderCliConfig({ pluginCacheDir: '/c', mirrorOnly: true })));
  });
});
