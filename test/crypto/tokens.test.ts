import { describe, expect, it } from 'vitest';
import { TOKEN_PREFIX, generatePassword, generateToken, hashToken, tokenMatchesHash } from '../../src/crypto';

describe('tokens', () => {
  it('generates distinct URL-safe tokens with the OVSB prefix', () => {
    const tokens = new Set(Array.from({ length: 50 }, generateToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
  });

  it('generates distinct 32-character URL-safe passwords', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('hashes with sha256 hex (known vector)', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    ['the token itself', (t: string) => t, true],
    ['another token', () => generateToken(), false],
    ['a prefix of it', (t: string) => t.slice(0, -1), false],
  ])('matches a stored hash against %s', (_what, presented, expected) => {
    const token = generateToken();
    expect(tokenMatchesHash(presented(token), hashToken(token))).toBe(expected);
  });

  it('never matches a malformed stored hash', () => {
    expect(tokenMatchesHash('x', 'not-hex')).toBe(false);
    expect(tokenMatchesHash('x', '')).toBe(false);
  });
});
