import { describe, expect, it } from 'vitest';
import { isChecksumAddress, toChecksumAddress } from '../../src/catalog/eip55';
import { uuidV5 } from '../../src/catalog/uuid';

describe('uuidV5', () => {
  it('matches the RFC 9562 example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('not-a-uuid', 'x')).toThrow(/not a UUID/);
  });
});

describe('EIP-55 checksums', () => {
  // The test vectors of EIP-55 itself: all-caps, all-lower and mixed checksums.
  const VECTORS = [
    '0x52908400098527886E0F7030069857D2E4169EE7',
    '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
    '0xde709f2102306220921060314715629080e2fb77',
    '0x27b1fdb04752bbc536007a920d24acb045561c26',
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ];

  it.each(VECTORS)('%s is its own checksum form', (address) => {
    expect(toChecksumAddress(address.toLowerCase())).toBe(address);
    expect(isChecksumAddress(address)).toBe(true);
  });

  it.each([
    ['one letter in the wrong case', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'],
    ['a mixed-case address all lowercased', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'],
    ['a mixed-case address all uppercased', '0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED'],
    ['too short', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA'],
    ['not hex', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeZ'],
    ['no 0x prefix', '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'],
  ])('refuses %s', (_, address) => {
    expect(isChecksumAddress(address)).toBe(false);
  });
});
