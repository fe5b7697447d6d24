/** Binding tokens and generated passwords. Tokens are stored only as their sha256 hash. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix so secret scanners and operators recognise a leaked OVSB token. */
export const TOKEN_PREFIX = 'ovsb_';

/** 256 random bits, URL-safe. */
export const generateToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

/** 192 random bits as 32 URL-safe characters (no characters that need quoting in URLs or shells). */
export const generatePassword = (): string => randomBytes(24).toString('base64url');

/**
 * sha256 hex of the token; what storage keeps and looks bindings up by. Unsalted and fast is enough here:
 * 256 random bits cannot be guessed or dictionary-attacked (unlike passwords), and a deterministic hash allows
 * an indexed lookup whose timing depends on the hash, not on how much of a real token was guessed.
 */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time comparison of a presented token against a stored hash. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
