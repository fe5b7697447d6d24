import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptionError } from '../../src/crypto';

const AAD = '["instances","i-1","outputs"]';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips text and JSON, with a fresh IV each time', () => {
    const a = box.seal('jwt-secret', AAD);
    const b = box.seal('jwt-secret', AAD);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('jwt-secret');
    expect(box.open(a, AAD)).toBe('jwt-secret');
    expect(box.openJson(box.sealJson({ jwt: 'x', n: [1, 2] }, AAD), AAD)).toEqual({ jwt: 'x', n: [1, 2] });
    expect(box.open(box.seal('', AAD), AAD)).toBe('');
  });

  it.each([
    ['ciphertext', 4],
    ['tag', 3],
    ['iv', 2],
  ] as const)('GIVEN an altered %s THEN opening fails', (_part, index) => {
    const parts = box.seal('jwt-secret', AAD).split(':');
    const bytes = Buffer.from(parts[index]!, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    parts[index] = bytes.toString('base64url');
    expect(() => box.open(parts.join(':'), AAD)).toThrow(SecretDecryptionError);
  });

  it('GIVEN the ciphertext of another row THEN opening fails', () => {
    const sealed = box.seal('jwt-secret', AAD);
    expect(() => box.open(sealed, '["instances","i-2","outputs"]')).toThrow(/failed authentication/);
  });

  it('GIVEN another key THEN opening fails naming both key ids', () => {
    const other = new SecretBox(randomBytes(32));
    const sealed = box.seal('jwt-secret', AAD);
    expect(() => other.open(sealed, AAD)).toThrow(new RegExp(`encrypted with key ${box.keyId} but the configured key is ${other.keyId}`));
  });

  it('GIVEN a forged key id THEN authentication still fails', () => {
    const forged = new SecretBox(randomBytes(32));
    const parts = forged.seal('x', AAD).split(':');
    parts[1] = box.keyId;
    expect(() => box.open(parts.join(':'), AAD)).toThrow(SecretDecryptionError);
  });

  it.each(['', 'plain text', 'v2:a:b:c:d', 'v1:a:b:c'])('GIVEN %j THEN it is not an envelope', (text) => {
    expect(() => box.open(text, AAD)).toThrow(SecretDecryptionError);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes, got 16/);
  });
});
