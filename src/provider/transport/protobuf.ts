/**
 * Protocol Buffers encoding driven by the committed descriptor (./protocol-descriptor.ts, protobufjs
 * JSON form): the provider's launch pays neither for parsing .proto text nor for loading a protobuf
 * library (terraform launches a provider 3-5 times per command). Covers what the protocol uses: scalar
 * fields (string, bytes, bool, int64, enums), messages, repeated messages and map<string, ...>.
 */

type FieldJson = { readonly type: string; readonly id: number; readonly rule?: string; readonly keyType?: string };
type NodeJson = {
  readonly nested?: Readonly<Record<string, NodeJson>>;
  readonly fields?: Readonly<Record<string, FieldJson>>;
  readonly values?: Readonly<Record<string, number>>;
  readonly methods?: Readonly<Record<string, { readonly requestType: string; readonly responseType: string }>>;
};

export type Message = { [field: string]: unknown };

interface Field {
  readonly name: string;
  readonly id: number;
  readonly repeated: boolean;
  /** map<keyType, type>: an entry message with key = 1, value = 2. */
  readonly keyType?: string;
  /** A scalar type name, 'enum', or the message type. */
  readonly type: string | MessageType;
}

export class MessageType {
  readonly fields: Field[] = [];
  readonly byId = new Map<number, Field>();
  constructor(readonly fullName: string) {}

  encode(message: Message): Buffer {
    const writer = new Writer();
    writeMessage(writer, this, message);
    return writer.finish();
  }
  decode(bytes: Uint8Array): Message {
    return readMessage(new Reader(bytes), this, bytes.length);
  }
}

export interface MethodType {
  readonly name: string;
  readonly request: MessageType;
  readonly response: MessageType;
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int64', 'int32', 'uint32', 'uint64']);

/** Message types and services of a descriptor, by full name ("tfplugin6.Schema.Block", "plugin.GRPCController"). */
export class Protocol {
  readonly messages = new Map<string, MessageType>();
  readonly services = new Map<string, readonly MethodType[]>();
  private readonly enums = new Set<string>();

  constructor(root: NodeJson) {
    const pending: [MessageType, Record<string, FieldJson>, string][] = [];
    const pendingServices: [string, NodeJson][] = [];
    const walk = (node: NodeJson, name: string) => {
      if (node.fields) {
        const type = new MessageType(name);
        this.messages.set(name, type);
        pending.push([type, node.fields as Record<string, FieldJson>, name]);
      }
      if (node.values) this.enums.add(name);
      if (node.methods) pendingServices.push([name, node]);
      for (const [child, value] of Object.entries(node.nested ?? {})) walk(value, name ? `${name}.${child}` : child);
    };
    walk(root, '');
    for (const [type, fields, scope] of pending) {
      for (const [name, json] of Object.entries(fields)) {
        const resolved = SCALARS.has(json.type) ? json.type : this.resolve(json.type, scope);
        const field: Field = {
          name,
          id: json.id,
          repeated: json.rule === 'repeated',
          ...(json.keyType !== undefined && { keyType: json.keyType }),
          type: resolved,
        };
        type.fields.push(field);
        type.byId.set(field.id, field);
      }
    }
    for (const [name, node] of pendingServices) {
      const scope = name.slice(0, name.lastIndexOf('.'));
      this.services.set(
        name,
        Object.entries(node.methods!).map(([method, m]) => ({
          name: method,
          request: this.resolve(m.requestType, scope) as MessageType,
          response: this.resolve(m.responseType, scope) as MessageType,
        })),
      );
    }
  }

  /** protobuf's scoping: the innermost enclosing scope that defines the name's first part. */
  private resolve(name: string, scope: string): MessageType | 'enum' {
    const parts = scope.split('.');
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), name].filter((p) => p !== '').join('.');
      const message = this.messages.get(candidate);
      if (message) return message;
      if (this.enums.has(candidate)) return 'enum';
    }
    throw new Error(`protocol descriptor: type ${name} (in ${scope}) is not defined`);
  }

  message(name: string): MessageType {
    const type = this.messages.get(name);
    if (!type) throw new Error(`protocol descriptor: no message ${name}`);
    return type;
  }
}

// ----------------------------------------------------------------------------------------------- write

class Writer {
  private chunks: Buffer[] = [];
  private scratch: number[] = [];

  private flush(): void {
    if (this.scratch.length) {
      this.chunks.push(Buffer.from(this.scratch));
      this.scratch = [];
    }
  }
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
      let n = value;
      while (n > 0x7f) {
        this.scratch.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.scratch.push(n);
      return;
    }
    while (v > 0x7fn) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }
  tag(id: number, wire: number): void {
    this.varint(id * 8 + wire);
  }
  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.flush();
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks);
  }
}

function writeValue(writer: Writer, id: number, type: Field['type'], value: unknown): void {
  if (type instanceof MessageType) {
    writer.tag(id, 2);
    writer.bytes(type.encode(value as Message));
    return;
  }
  switch (type) {
    case 'string':
      writer.tag(id, 2);
      writer.bytes(Buffer.from(String(value), 'utf8'));
      return;
    case 'bytes':
      writer.tag(id, 2);
      writer.bytes(value as Uint8Array);
      return;
    case 'bool':
      writer.tag(id, 0);
      writer.varint(value ? 1 : 0);
      return;
    default: // int64, int32, uint32, uint64, enum
      writer.tag(id, 0);
      writer.varint(value as number | bigint);
  }
}

/** Proto3 leaves default values off the wire. */
const isDefault = (value: unknown): boolean =>
  value === undefined || value === null || value === '' || value === false || value === 0 || (value instanceof Uint8Array && value.length === 0);

function writeMessage(writer: Writer, type: MessageType, message: Message): void {
  for (const field of type.fields) {
    const value = message[field.name];
    if (field.keyType !== undefined) {
      for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        const entry = new Writer();
        writeValue(entry, 1, field.keyType, key);
        writeValue(entry, 2, field.type, item);
        writer.tag(field.id, 2);
        writer.bytes(entry.finish());
      }
    } else if (field.repeated) {
      for (const item of (value ?? []) as unknown[]) writeValue(writer, field.id, field.type, item);
    } else if (field.type instanceof MessageType ? value !== undefined && value !== null : !isDefault(value)) {
      writeValue(writer, field.id, field.type, value);
    }
  }
}

// ------------------------------------------------------------------------------------------------ read

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  varint(): number | bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.bytes.length) throw new Error('protobuf: truncated varint');
      const byte = this.bytes[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    const signed = BigInt.asIntN(64, result);
    return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed;
  }
  chunk(): Buffer {
    const length = Number(this.varint());
    if (this.offset + length > this.bytes.length) throw new Error('protobuf: truncated field');
    const data = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, length);
    this.offset += length;
    return data;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.offset += 8;
    else if (wire === 2) this.chunk();
    else if (wire === 5) this.offset += 4;
    else throw new Error(`protobuf: wire type ${wire} is not supported`);
  }
}

function readValue(reader: Reader, type: Field['type']): unknown {
  if (type instanceof MessageType) {
    const data = reader.chunk();
    return type.decode(data);
  }
  switch (type) {
    case 'string':
      return reader.chunk().toString('utf8');
    case 'bytes':
      return Buffer.from(reader.chunk());
    case 'bool':
      return reader.varint() !== 0;
    default:
      return reader.varint();
  }
}

function readMessage(reader: Reader, type: MessageType, end: number): Message {
  const message: Message = {};
  while (reader.offset < end) {
    const key = Number(reader.varint());
    const field = type.byId.get(key >>> 3);
    if (field === undefined) {
      reader.skip(key & 7);
      continue;
    }
    if (field.keyType !== undefined) {
      const entry = new Reader(reader.chunk());
      let k: unknown = '';
      let v: unknown = field.type instanceof MessageType ? {} : undefined;
      while (entry.offset < entry.bytes.length) {
        const entryKey = Number(entry.varint());
        if (entryKey >>> 3 === 1) k = readValue(entry, field.keyType);
        else if (entryKey >>> 3 === 2) v = readValue(entry, field.type);
        else entry.skip(entryKey & 7);
      }
      ((message[field.name] ??= {}) as Record<string, unknown>)[String(k)] = v;
    } else if (field.repeated) {
      ((message[field.name] ??= []) as unknown[]).push(readValue(reader, field.type));
    } else {
      message[field.name] = readValue(reader, field.type);
    }
  }
  return message;
}
