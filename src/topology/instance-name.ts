import { createHash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The DNS-label-safe name of an instance: `i-` + 16 base32 characters (80 bits) of SHA-256 of the OSB
 * instance id. The raw id never reaches a namespace, host or file name (platforms choose it, and it
 * may hold anything), and the same id always gives the same name.
 */
export function instanceNameFor(instanceId: string): string {
  const digest = createHash('sha256').update(instanceId, 'utf8').digest();
  let bits = 0;
  let buffer = 0;
  let out = '';
  for (const byte of digest) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 16) break;
    buffer &= (1 << bits) - 1;
  }
  return `i-${out}`;
}
