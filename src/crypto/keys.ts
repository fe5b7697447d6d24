/**
 * The encryption key for secrets at rest: `OVSB_ENCRYPTION_KEY` (32 bytes, base64/base64url or hex), or
 * else `<data dir>/encryption.key`, generated once (0600, data dir 0700). Every broker replica sharing a
 * PostgreSQL database needs the same key: set OVSB_ENCRYPTION_KEY there.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';
import { SecretBox } from './secret-box';

export const ENCRYPTION_KEY_ENV = 'OVSB_ENCRYPTION_KEY';
export const ENCRYPTION_KEY_FILE = 'encryption.key';
const KEY_BYTES = 32;
const KEY_HINT = 'generate one with `openssl rand -base64 32`';

/** Decodes a 32-byte key written as 64 hex digits or as base64/base64url; `source` names it in errors. */
export function parseEncryptionKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    key = Buffer.from(trimmed, 'hex');
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  } else {
    throw new ConfigError(source, '', `is neither hex nor base64 (${trimmed.length} characters); ${KEY_HINT}`);
  }
  if (key.length !== KEY_BYTES) {
    throw new ConfigError(source, '', `decodes to ${key.length} bytes, AES-256 needs ${KEY_BYTES}; ${KEY_HINT}`);
  }
  return key;
}

/** Creates `dir` (and parents) if missing and makes it 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(path, '', `is readable by group or others (mode ${mode.toString(8)}); run \`chmod 600 ${path}\``);
  }
  return parseEncryptionKey(readFileSync(path, 'utf8'), path);
}

/** Writes a fresh key without ever exposing a half-written file; if another process won the race, uses theirs. */
function createKeyFile(path: string): Buffer {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return readKeyFile(path);
}

export interface LoadKeyOptions {
  readonly dataDir: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export function loadEncryptionKey({ dataDir, env = process.env }: LoadKeyOptions): Buffer {
  const fromEnv = env[ENCRYPTION_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return parseEncryptionKey(fromEnv, ENCRYPTION_KEY_ENV);
  }
  ensurePrivateDir(dataDir);
  const path = join(dataDir, ENCRYPTION_KEY_FILE);
  try {
    return readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return createKeyFile(path);
}

export const loadSecretBox = (options: LoadKeyOptions): SecretBox => new SecretBox(loadEncryptionKey(options));
