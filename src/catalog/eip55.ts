import { keccak_256 } from '@noble/hashes/sha3';

const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

/** `0x` + 40 hex digits, any case. */
export const isHexAddress = (text: string): boolean => ADDRESS_PATTERN.test(text);

/** The EIP-55 mixed-case checksum form of a 20-byte hex address. */
export function toChecksumAddress(address: string): string {
  if (!isHexAddress(address)) throw new TypeError(`"${address}" is not a 0x-prefixed 20-byte hex address`);
  const lower = address.slice(2).toLowerCase();
  const hash = Buffer.from(keccak_256(lower)).toString('hex');
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return out;
}

/**
 * True when `address` is written in its EIP-55 checksum form. Strict on purpose: a fee recipient typed
 * in one case carries no checksum, so a typo in it would send rewards to a stranger unnoticed.
 */
export const isChecksumAddress = (address: string): boolean =>
  isHexAddress(address) && toChecksumAddress(address) === address;
