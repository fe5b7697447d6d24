import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENCRYPTION_KEY_ENV, ENCRYPTION_KEY_FILE, loadEncryptionKey, loadSecretBox, parseEncryptionKey } from '../../src/crypto';
import { ConfigError } from '../../src/errors';

const roots: string[] = [];
const tempDir = () => {
  const root = mkdtempSync(join(tmpdir(), 'ovsb-keys-'));
  roots.push(root);
  return root;
};
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);
  it.each([
    ['hex', key.toString('hex')],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
    ['base64 with a trailing newline', `${key.toString('base64')}\n`],
  ])('accepts %s', (_form, text) => {
    expect(parseEncryptionKey(text, ENCRYPTION_KEY_ENV).equals(key)).toBe(true);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64'), /decodes to 16 bytes, AES-256 needs 32/],
    ['too long hex', randomBytes(33).toString('hex'), /decodes to 49 bytes/],
    ['not an encoding', 'this is not a key!', /neither hex nor base64/],
  ])('refuses a key that is %s, naming the variable and the fix', (_why, text, message) => {
    const error = (() => {
      try {
        parseEncryptionKey(text, ENCRYPTION_KEY_ENV);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe(ENCRYPTION_KEY_ENV);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('openssl rand -base64 32');
  });
});

describe('loadEncryptionKey', () => {
  it('GIVEN OVSB_ENCRYPTION_KEY THEN it is used and no key file is written', () => {
    const dataDir = join(tempDir(), 'data');
    const key = randomBytes(32);
    expect(loadEncryptionKey({ dataDir, env: { [ENCRYPTION_KEY_ENV]: key.toString('hex') } }).equals(key)).toBe(true);
    expect(() => statSync(join(dataDir, ENCRYPTION_KEY_FILE))).toThrow();
  });

  it('GIVEN no variable THEN a key is generated once into the data dir (file 0600, dir 0700) and reused', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadEncryptionKey({ dataDir, env: {} });
    const path = join(dataDir, ENCRYPTION_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(loadEncryptionKey({ dataDir, env: { [ENCRYPTION_KEY_ENV]: '  ' } }).equals(first)).toBe(true);
    expect(loadSecretBox({ dataDir, env: {} }).keyId).toBe(loadSecretBox({ dataDir, env: {} }).keyId);
  });

  it('GIVEN a key file readable by others THEN it is refused with the chmod fix', () => {
    const dataDir = tempDir();
    const path = join(dataDir, ENCRYPTION_KEY_FILE);
    writeFileSync(path, randomBytes(32).toString('base64'));
    chmodSync(path, 0o644);
    expect(() => loadEncryptionKey({ dataDir, env: {} })).toThrow(/mode 644.*chmod 600/);
  });

  it('GIVEN a corrupt key file THEN the error names the file', () => {
    const dataDir = tempDir();
    const path = join(dataDir, ENCRYPTION_KEY_FILE);
    writeFileSync(path, 'short', { mode: 0o600 });
    expect(() => loadEncryptionKey({ dataDir, env: {} })).toThrow(new RegExp(`${path}: decodes to 3 bytes`));
  });
});
