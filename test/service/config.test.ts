import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, PASSWORD_FILE, resolveBrokerCredentials } from '../../src/config';
import { ConfigError } from '../../src/errors';

describe('loadConfig', () => {
  it('GIVEN no OVSB_* variables THEN the documented defaults apply', () => {
    const config = loadConfig({}, '/srv/ovsb');
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/srv/ovsb/.ovsb',
      logLevel: 'info',
      username: 'ovsb',
      terraform: { terraformBin: 'terraform', backend: { kind: 'local' }, maxConcurrent: 4 },
    });
    expect(config.password).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.catalogPath).toBeUndefined();
  });

  it('reads every variable, resolving relative paths against the working directory', () => {
    const config = loadConfig(
      {
        OVSB_PORT: '9090',
        OVSB_HOST: '0.0.0.0',
        OVSB_USERNAME: 'cf',
        OVSB_PASSWORD: 'a-long-enough-password',
        OVSB_DATA_DIR: 'data',
        OVSB_DATABASE_URL: 'postgres://u@db:5432/ovsb',
        OVSB_CATALOG: 'my-catalog.yaml',
        OVSB_TERRAFORM_BIN: 'tofu',
        OVSB_TF_BACKEND: 'pg',
        OVSB_MAX_CONCURRENT_APPLIES: '8',
        OVSB_PROVIDER_MIRROR: 'mirror',
        OVSB_LOG_LEVEL: 'debug',
        OVSB_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      },
      '/srv',
    );
    expect(config).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      username: 'cf',
      password: 'a-long-enough-password',
      dataDir: '/srv/data',
      databaseUrl: 'postgres://u@db:5432/ovsb',
      catalogPath: '/srv/my-catalog.yaml',
      logLevel: 'debug',
      terraform: { terraformBin: 'tofu', backend: { kind: 'pg', connectionString: 'postgres://u@db:5432/ovsb' }, maxConcurrent: 8, providerMirror: '/srv/mirror' },
    });
  });

  it.each([
    ['OVSB_PORT', 'http', 'OVSB_PORT'],
    ['OVSB_PORT', '70000', 'OVSB_PORT'],
    ['OVSB_MAX_CONCURRENT_APPLIES', '0', 'OVSB_MAX_CONCURRENT_APPLIES'],
    ['OVSB_TF_BACKEND', 'consul', 'OVSB_TF_BACKEND'],
    ['OVSB_LOG_LEVEL', 'loud', 'OVSB_LOG_LEVEL'],
    ['OVSB_DATABASE_URL', 'mysql://x', 'OVSB_DATABASE_URL'],
    ['OVSB_PASSWORD', 'short', 'OVSB_PASSWORD'],
    ['OVSB_USERNAME', 'a:b', 'OVSB_USERNAME'],
    ['OVSB_HOST', 'a host', 'OVSB_HOST'],
    ['OVSB_ENCRYPTION_KEY', 'not-a-key', 'OVSB_ENCRYPTION_KEY'],
  ])('%s=%s -> ConfigError naming the variable, the value and the fix', (name, value, source) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value }, '/srv');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe(source);
    expect((error as ConfigError).message.length).toBeGreaterThan(source.length + 10);
  });

  it('names the bad value in the message', () => {
    expect(() => loadConfig({ OVSB_PORT: 'http' }, '/srv')).toThrow(/"http"/);
  });
});

describe('resolveBrokerCredentials', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('GIVEN no OVSB_PASSWORD WHEN first started THEN a strong password is generated, kept 0600, and reused after', () => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-config-'));
    const config = loadConfig({ OVSB_DATA_DIR: dir }, '/');
    const first = resolveBrokerCredentials(config);
    expect(first.generated).toBe(true);
    expect(first.username).toBe('ovsb');
    expect(first.password.length).toBeGreaterThanOrEqual(32);
    const file = join(dir, PASSWORD_FILE);
    expect(first.passwordFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.password);

    const second = resolveBrokerCredentials(config);
    expect(second).toEqual({ ...first, generated: false });
  });

  it('OVSB_PASSWORD wins and nothing is written', () => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-config-'));
    const credentials = resolveBrokerCredentials(loadConfig({ OVSB_DATA_DIR: dir, OVSB_PASSWORD: 'operator-chosen-secret' }, '/'));
    expect(credentials).toEqual({ username: 'ovsb', password: 'operator-chosen-secret', generated: false });
  });

  it('refuses a password file others can read, saying how to fix it', () => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-config-'));
    writeFileSync(join(dir, PASSWORD_FILE), 'something-long-enough\n');
    chmodSync(join(dir, PASSWORD_FILE), 0o644);
    expect(() => resolveBrokerCredentials(loadConfig({ OVSB_DATA_DIR: dir }, '/'))).toThrow(/chmod 600/);
  });
});
