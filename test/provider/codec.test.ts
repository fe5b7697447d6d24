/**
 * The value codec: msgpack vectors (bytes as MessagePack and go-cty write them) decoded and encoded both
 * ways for every cty type, unknowns included, and terraform's JSON state encoding.
 */
import { describe, expect, it } from 'vitest';
import {
  Decimal,
  Dynamic,
  UNKNOWN,
  containsUnknown,
  dynamicOf,
  fromJson,
  fromMsgpack,
  sameJson,
  toJson,
  toMsgpack,
  type CtyType,
  type CtyValue,
} from '../../src/provider/codec/cty';
import { MsgExt, MsgMap, decodeMsgpack, encodeMsgpack } from '../../src/provider/codec/msgpack';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface Vector {
  readonly name: string;
  readonly type: CtyType;
  readonly value: CtyValue;
  readonly bytes: string;
}

const VECTORS: readonly Vector[] = [
  { name: 'null string', type: 'string', value: null, bytes: 'c0' },
  { name: 'unknown string (ext 0, as go-cty writes it)', type: 'string', value: UNKNOWN, bytes: 'd4 00 00' },
  { name: 'fixstr', type: 'string', value: 'hoodi', bytes: 'a5 686f6f6469' },
  { name: 'str8', type: 'string', value: 'x'.repeat(40), bytes: `d9 28 ${'78'.repeat(40)}` },
  { name: 'utf-8 string', type: 'string', value: 'é', bytes: 'a2 c3a9' },
  { name: 'true', type: 'bool', value: true, bytes: 'c3' },
  { name: 'false', type: 'bool', value: false, bytes: 'c2' },
  { name: 'positive fixint', type: 'number', value: 5, bytes: '05' },
  { name: 'negative fixint', type: 'number', value: -3, bytes: 'fd' },
  { name: 'uint8', type: 'number', value: 200, bytes: 'cc c8' },
  { name: 'uint16', type: 'number', value: 300, bytes: 'cd 012c' },
  { name: 'uint32', type: 'number', value: 70000, bytes: 'ce 00011170' },
  { name: 'int8', type: 'number', value: -100, bytes: 'd0 9c' },
  { name: 'int16', type: 'number', value: -1000, bytes: 'd1 fc18' },
  { name: 'int32', type: 'number', value: -100000, bytes: 'd2 fffe7960' },
  { name: 'uint64 above 2^53', type: 'number', value: new Decimal('18446744073709551615'), bytes: `b4 ${Buffer.from('18446744073709551615').toString('hex')}` },
  { name: 'float64', type: 'number', value: 1.5, bytes: 'cb 3ff8000000000000' },
  { name: 'list of strings', type: ['list', 'string'], value: ['a', 'b'], bytes: '92 a161 a162' },
  { name: 'set of numbers', type: ['set', 'number'], value: [1, 2], bytes: '92 01 02' },
  { name: 'list with an unknown element', type: ['list', 'string'], value: ['a', UNKNOWN], bytes: '92 a161 d40000' },
  { name: 'map of strings', type: ['map', 'string'], value: { k: 'v' }, bytes: '81 a16b a176' },
  { name: 'tuple', type: ['tuple', ['string', 'bool']], value: ['a', true], bytes: '92 a161 c3' },
  {
    name: 'object (every attribute written, null as nil)',
    type: ['object', { a: 'string', b: 'number' }],
    value: { a: 'x', b: null },
    bytes: '82 a161 a178 a162 c0',
  },
  { name: 'dynamic string: [type JSON, value]', type: 'dynamic', value: new Dynamic('string', 'x'), bytes: `92 c4 08 ${Buffer.from('"string"').toString('hex')} a178` },
  {
    name: 'dynamic object',
    type: 'dynamic',
    value: new Dynamic(['object', { n: 'number' }], { n: 1 }),
    bytes: `92 c4 19 ${Buffer.from('["object",{"n":"number"}]').toString('hex')} 81 a16e 01`,
  },
  { name: 'unknown dynamic', type: 'dynamic', value: UNKNOWN, bytes: 'd4 00 00' },
  { name: 'null dynamic', type: 'dynamic', value: null, bytes: 'c0' },
];

describe('cty msgpack codec', () => {
  it.each(VECTORS)('$name: encodes to the vector', ({ type, value, bytes }) => {
    expect(toHex(toMsgpack(value, type))).toBe(bytes.replace(/\s+/g, ''));
  });

  it.each(VECTORS)('$name: decodes from the vector', ({ type, value, bytes }) => {
    expect(fromMsgpack(hex(bytes), type)).toEqual(value);
  });

  it.each([
    ['fixext 1, type 0', 'd4 00 00'],
    ['refined unknown (ext 12 with a payload)', 'c7 03 0c 810102'],
    ['fixext 4 of another type', 'd6 05 00000000'],
  ])('any extension reads as unknown: %s', (_name, bytes) => {
    expect(fromMsgpack(hex(bytes), ['object', { a: 'string' }])).toBe(UNKNOWN);
    expect(fromMsgpack(hex(bytes), 'number')).toBe(UNKNOWN);
  });

  it('decodes what encodings go-cty may choose for the same number', () => {
    expect(fromMsgpack(hex('cf 0000000000000007'), 'number')).toBe(7); // uint64
    expect(fromMsgpack(hex('d3 fffffffffffffff9'), 'number')).toBe(-7); // int64
    expect(fromMsgpack(hex('ca 3fc00000'), 'number')).toBe(1.5); // float32
    expect(fromMsgpack(hex(`a3 ${Buffer.from('1.5').toString('hex')}`), 'number')).toBe(1.5); // number as string
    expect(fromMsgpack(hex('cf ffffffffffffffff'), 'number')).toEqual(new Decimal('18446744073709551615'));
    const precise = '0.1000000000000000000001';
    expect(fromMsgpack(hex(`b8 ${Buffer.from(precise).toString('hex')}`), 'number')).toEqual(new Decimal(precise)); // fixstr of 24
  });

  it('an object attribute missing on the wire reads as null', () => {
    expect(fromMsgpack(hex('81 a161 a178'), ['object', { a: 'string', b: 'bool' }])).toEqual({ a: 'x', b: null });
  });

  it('refuses a value of the wrong type, naming where', () => {
    expect(() => fromMsgpack(hex('81 a161 c3'), ['object', { a: 'string' }])).toThrow(/a: msgpack boolean is not a "string"/);
    expect(() => toMsgpack({ a: 'x', extra: 'y' }, ['object', { a: 'string' }])).toThrow(/attribute "extra"/);
    expect(() => fromMsgpack(hex('92 01'), ['list', 'number'])).toThrow(/truncated/);
  });

  it('round-trips large containers (buffer growth) and long strings', () => {
    const list = Array.from({ length: 5000 }, (_, i) => `value-${i}`);
    const bytes = toMsgpack(list, ['list', 'string']);
    expect(bytes[0]).toBe(0xdc); // array16
    expect(fromMsgpack(bytes, ['list', 'string'])).toEqual(list);
    const long = 'y'.repeat(70_000);
    expect(toHex(toMsgpack(long, 'string').subarray(0, 5))).toBe('db00011170'); // str32
    expect(fromMsgpack(toMsgpack(long, 'string'), 'string')).toBe(long);
  });

  it('generic msgpack: bin, ext and maps with non-string keys survive a round trip', () => {
    const value = new MsgMap([
      [1, new Uint8Array([1, 2, 3])],
      ['ext', new MsgExt(12, new Uint8Array([9, 9, 9]))],
      ['big', -(2n ** 63n)],
    ]);
    expect(decodeMsgpack(encodeMsgpack(value))).toEqual(value);
  });

  it('containsUnknown looks inside containers and dynamic values', () => {
    expect(containsUnknown({ a: [1, UNKNOWN] })).toBe(true);
    expect(containsUnknown(new Dynamic(['list', 'string'], [UNKNOWN]))).toBe(true);
    expect(containsUnknown({ a: [1, 'x'] })).toBe(false);
  });
});

describe('terraform JSON state encoding', () => {
  const type: CtyType = ['object', { id: 'string', n: 'number', tags: ['list', 'string'], parameters: 'dynamic', m: ['map', 'bool'] }];
  const json = {
    id: 'i-1',
    n: 3,
    tags: ['a'],
    parameters: { value: { fee: '0x1', gi: 200 }, type: ['object', { fee: 'string', gi: 'number' }] },
    m: { on: true },
  };
  const value = {
    id: 'i-1',
    n: 3,
    tags: ['a'],
    parameters: new Dynamic(['object', { fee: 'string', gi: 'number' }], { fee: '0x1', gi: 200 }),
    m: { on: true },
  };

  it('decodes JSON (dynamic values carry {value, type}); attributes not in the type are dropped', () => {
    expect(fromJson({ ...json, removed_attribute: 'x' }, type)).toEqual(value);
  });

  it('encodes back to the same JSON', () => {
    expect(toJson(value, type)).toEqual(json);
  });

  it('JSON state becomes msgpack (what UpgradeResourceState returns) and back', () => {
    expect(fromMsgpack(toMsgpack(fromJson(json, type), type), type)).toEqual(value);
  });
});

describe('plain JSON data as dynamic values', () => {
  it('types data as terraform types the same literal', () => {
    expect(dynamicOf({ a: 1, b: ['x', true], c: null })).toEqual(
      new Dynamic(['object', { a: 'number', b: ['tuple', ['string', 'bool']], c: 'dynamic' }], { a: 1, b: ['x', true], c: null }),
    );
  });

  it('sameJson ignores key order and nothing else', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
});
