/**
 * The AWS host's secret fetcher (the script cloud-init installs as ovsb-fetch-secret), run for real with
 * python3. boto3 is replaced by a small module on PYTHONPATH that answers get_secret_value from a file and
 * records the region and secret id it was asked for.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FETCH_SECRET_SCRIPT } from '../../modules/aws/cloud-init';

const exec = promisify(execFile);
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ovsb/keys-AbCdEf';
const uid = process.getuid?.() ?? 0;

describe('ovsb-fetch-secret', () => {
  let dir: string;
  let target: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-secret-'));
    target = join(dir, 'run', 'validator-keys', 'keys');
    mkdirSync(join(dir, 'py'));
    writeFileSync(join(dir, 'fetch.py'), FETCH_SECRET_SCRIPT);
    writeFileSync(
      join(dir, 'py', 'boto3.py'),
      `import json
class _Client:
    def __init__(self, region):
        self.region = region
    def get_secret_value(self, SecretId):
        open(${JSON.stringify(join(dir, 'asked'))}, 'w').write(self.region + ' ' + SecretId)
        return {'SecretString': open(${JSON.stringify(join(dir, 'secret.json'))}).read()}
def client(service, region_name):
    assert service == 'secretsmanager'
    return _Client(region_name)
`,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the fetcher; resolves with its output, or with the failure (exit code and stderr). */
  const fetch = (): Promise<{ stdout?: string; stderr?: string; code?: number }> =>
    exec('python3', [join(dir, 'fetch.py'), ARN, target, String(uid)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: join(dir, 'py') },
    }).catch((error: { stderr: string; code: number }) => error);

  it('GIVEN a JSON object of keystores and password THEN it writes each as a read-only file, and says how many, not what', async () => {
    writeFileSync(join(dir, 'secret.json'), JSON.stringify({ 'keystore-m_12381_3600_0_0_0-1.json': '{"crypto": {}}', 'password.txt': 'hunter22' }));
    const result = await fetch();
    expect(readFileSync(join(dir, 'asked'), 'utf8')).toBe(`eu-west-1 ${ARN}`);
    expect(readdirSync(target).sort()).toEqual(['keystore-m_12381_3600_0_0_0-1.json', 'password.txt']);
    expect(readFileSync(join(target, 'password.txt'), 'utf8')).toBe('hunter22');
    expect(statSync(join(target, 'password.txt')).mode & 0o777).toBe(0o400);
    expect(statSync(target).mode & 0o777).toBe(0o500);
    expect(result.stdout).toBe(`secret ${ARN}: wrote 2 files to ${target}\n`);
    expect(result.stdout).not.toContain('hunter22');
  });

  it('GIVEN a second fetch with fewer files THEN files no longer in the secret are gone', async () => {
    writeFileSync(join(dir, 'secret.json'), JSON.stringify({ 'keystore-a.json': '{}', 'keystore-b.json': '{}', 'password.txt': 'x' }));
    await fetch();
    writeFileSync(join(dir, 'secret.json'), JSON.stringify({ 'keystore-a.json': '{}', 'password.txt': 'x' }));
    await fetch();
    expect(readdirSync(target).sort()).toEqual(['keystore-a.json', 'password.txt']);
  });

  it.each([
    ['a plain string', 'not json', /SecretString must be a JSON object of file name -> content/],
    ['an empty object', '{}', /SecretString must be a JSON object/],
    ['a path in a name', JSON.stringify({ '../etc/passwd': 'x' }), /entry '\.\.\/etc\/passwd' must be a plain file name/],
    ['a non-text value', JSON.stringify({ 'password.txt': 7 }), /entry 'password.txt' must be a plain file name with text content/],
  ])('GIVEN %s THEN it fails, writing nothing and naming the secret', async (_name, secret, message) => {
    writeFileSync(join(dir, 'secret.json'), secret);
    const result = await fetch();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(ARN);
    expect(existsSync(target)).toBe(false);
  });
});
