/**
 * MessagePack, the subset terraform's cty encoding uses: nil, bool, integers (to 64 bits), float64,
 * str, bin, array, map and extension types (an extension is how cty writes an unknown value). Written
 * here rather than taken from a library because cty needs exact control over two things a generic codec
 * hides: integers beyond 2^53 (kept as bigint) and extension values of any type (all read as "unknown").
 */

/** An extension value: cty writes unknown values as extensions (type 0, or 12 for refined unknowns). */
export class MsgExt {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

/** A map with its entries in wire order (cty map and object keys are strings). */
export class MsgMap {
  constructor(readonly entries: readonly (readonly [MsgValue, MsgValue])[]) {}
}

export type MsgValue = null | boolean | number | bigint | string | Uint8Array | MsgExt | MsgMap | readonly MsgValue[];

export class MsgpackError extends Error {
  override readonly name = 'MsgpackError';
}

// ---------------------------------------------------------------------------------------------- decode

export function decodeMsgpack(bytes: Uint8Array): MsgValue {
  const reader = new Reader(bytes);
  const value = reader.value();
  if (reader.offset !== bytes.length) throw new MsgpackError(`${bytes.length - reader.offset} trailing bytes after a msgpack value`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.bytes.length) throw new MsgpackError(`msgpack value truncated at byte ${at} (needs ${n} more)`);
    this.offset += n;
    return at;
  }
  private u8(): number {
    return this.view.getUint8(this.need(1));
  }
  private u16(): number {
    return this.view.getUint16(this.need(2));
  }
  private u32(): number {
    return this.view.getUint32(this.need(4));
  }
  private raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  private str(n: number): string {
    return utf8.decode(this.raw(n));
  }
  private array(n: number): MsgValue[] {
    const items: MsgValue[] = [];
    for (let i = 0; i < n; i++) items.push(this.value());
    return items;
  }
  private map(n: number): MsgMap {
    const entries: [MsgValue, MsgValue][] = [];
    for (let i = 0; i < n; i++) entries.push([this.value(), this.value()]);
    return new MsgMap(entries);
  }
  private ext(n: number): MsgExt {
    const type = this.view.getInt8(this.need(1));
    return new MsgExt(type, this.raw(n));
  }
  private int64(signed: boolean): number | bigint {
    const at = this.need(8);
    const big = signed ? this.view.getBigInt64(at) : this.view.getBigUint64(at);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  value(): MsgValue {
    const at = this.offset;
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x80) return this.map(b & 0x0f);
    if ((b & 0xf0) === 0x90) return this.array(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return this.str(b & 0x1f);
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.raw(this.u8()).slice();
      case 0xc5: return this.raw(this.u16()).slice();
      case 0xc6: return this.raw(this.u32()).slice();
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xca: return this.view.getFloat32(this.need(4));
      case 0xcb: return this.view.getFloat64(this.need(8));
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return this.int64(false);
      case 0xd0: return this.view.getInt8(this.need(1));
      case 0xd1: return this.view.getInt16(this.need(2));
      case 0xd2: return this.view.getInt32(this.need(4));
      case 0xd3: return this.int64(true);
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16());
      case 0xdd: return this.array(this.u32());
      case 0xde: return this.map(this.u16());
      case 0xdf: return this.map(this.u32());
      default:
        throw new MsgpackError(`byte 0x${b.toString(16)} at offset ${at} starts no msgpack value`);
    }
  }
}

// ---------------------------------------------------------------------------------------------- encode

export function encodeMsgpack(value: MsgValue): Uint8Array {
  const writer = new Writer();
  writer.value(value);
  return writer.result();
}

const utf8Encoder = new TextEncoder();

class Writer {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(n: number): number {
    if (this.length + n > this.buffer.length) {
      const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
      next.set(this.buffer.subarray(0, this.length));
      this.buffer = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  /** Reserves n bytes, then writes them (reserving may replace the buffer and its view). */
  private put(n: number, set: (view: DataView, at: number) => void): void {
    const at = this.reserve(n);
    set(this.view, at);
  }
  private u8(v: number): void {
    this.put(1, (view, at) => view.setUint8(at, v));
  }
  private head(v: number, small: number, smallLimit: number, codes: readonly [number, number, number] | readonly [number, number]): void {
    if (v < smallLimit && small >= 0) return this.u8(small | v);
    const [c8, c16, c32] = codes.length === 3 ? codes : [-1, codes[0], codes[1]];
    if (c8 >= 0 && v <= 0xff) {
      this.u8(c8);
      this.u8(v);
    } else if (v <= 0xffff) {
      this.u8(c16!);
      this.put(2, (view, at) => view.setUint16(at, v));
    } else {
      this.u8(c32!);
      this.put(4, (view, at) => view.setUint32(at, v));
    }
  }
  private bytes(data: Uint8Array): void {
    const at = this.reserve(data.length); // may replace this.buffer
    this.buffer.set(data, at);
  }

  private integer(v: number | bigint): void {
    const n = typeof v === 'bigint' ? v : BigInt(v);
    if (n >= 0n) {
      if (n <= 0x7fn) return this.u8(Number(n));
      if (n <= 0xffn) return this.u8(0xcc), this.u8(Number(n));
      if (n <= 0xffffn) return this.u8(0xcd), this.put(2, (view, at) => view.setUint16(at, Number(n)));
      if (n <= 0xffffffffn) return this.u8(0xce), this.put(4, (view, at) => view.setUint32(at, Number(n)));
      if (n <= 0xffffffffffffffffn) return this.u8(0xcf), this.put(8, (view, at) => view.setBigUint64(at, n));
    } else {
      if (n >= -32n) return this.u8(Number(n) + 0x100);
      if (n >= -0x80n) return this.u8(0xd0), this.put(1, (view, at) => view.setInt8(at, Number(n)));
      if (n >= -0x8000n) return this.u8(0xd1), this.put(2, (view, at) => view.setInt16(at, Number(n)));
      if (n >= -0x80000000n) return this.u8(0xd2), this.put(4, (view, at) => view.setInt32(at, Number(n)));
      if (n >= -0x8000000000000000n) return this.u8(0xd3), this.put(8, (view, at) => view.setBigInt64(at, n));
    }
    throw new MsgpackError(`integer ${n} does not fit in 64 bits`);
  }

  value(v: MsgValue): void {
    if (v === null) return this.u8(0xc0);
    if (v === false) return this.u8(0xc2);
    if (v === true) return this.u8(0xc3);
    if (typeof v === 'bigint') return this.integer(v);
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return this.integer(v);
      this.u8(0xcb);
      return this.put(8, (view, at) => view.setFloat64(at, v));
    }
    if (typeof v === 'string') {
      const data = utf8Encoder.encode(v);
      this.head(data.length, 0xa0, 32, [0xd9, 0xda, 0xdb]);
      return this.bytes(data);
    }
    if (v instanceof Uint8Array) {
      this.head(v.length, -1, 0, [0xc4, 0xc5, 0xc6]);
      return this.bytes(v);
    }
    if (v instanceof MsgExt) {
      const fixed = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[v.data.length];
      if (fixed !== undefined) this.u8(fixed);
      else this.head(v.data.length, -1, 0, [0xc7, 0xc8, 0xc9]);
      this.put(1, (view, at) => view.setInt8(at, v.type));
      return this.bytes(v.data);
    }
    if (v instanceof MsgMap) {
      this.head(v.entries.length, 0x80, 16, [0xde, 0xdf]);
      for (const [key, item] of v.entries) {
        this.value(key);
        this.value(item);
      }
      return;
    }
    this.head(v.length, 0x90, 16, [0xdc, 0xdd]);
    for (const item of v) this.value(item);
  }
}
