/**
 * cty values (terraform's type system) as the provider sees them, and their two wire encodings:
 * msgpack (every DynamicValue terraform sends and expects) and JSON (raw state in UpgradeResourceState).
 * Types use cty's own JSON notation ("string", ["list", "string"], ["object", {...}]), which is also
 * what a schema attribute's `type` bytes and a dynamic value's type header hold.
 */
import { MsgExt, MsgMap, MsgpackError, decodeMsgpack, encodeMsgpack, type MsgValue } from './msgpack';

export type CtyType =
  | 'string'
  | 'number'
  | 'bool'
  | 'dynamic'
  | readonly ['list' | 'set' | 'map', CtyType]
  | readonly ['object', { readonly [name: string]: CtyType }]
  | readonly ['tuple', readonly CtyType[]];

/** A value not known until apply. Any msgpack extension decodes to it (refined unknowns included). */
export class Unknown {
  static readonly value = new Unknown();
  private constructor() {}
}
export const UNKNOWN = Unknown.value;

/** A number a float64 cannot hold exactly: kept as its decimal text (cty numbers are arbitrary precision). */
export class Decimal {
  constructor(readonly text: string) {}
}

/** The value of a `dynamic` attribute: it carries its own concrete type. */
export class Dynamic {
  constructor(
    readonly type: CtyType,
    readonly value: CtyValue,
  ) {}
}

export type CtyObject = { readonly [name: string]: CtyValue };
export type CtyValue = null | Unknown | string | number | Decimal | boolean | Dynamic | readonly CtyValue[] | CtyObject;

export class CtyError extends Error {
  override readonly name = 'CtyError';
}

// ------------------------------------------------------------------------------------------- helpers

export const isObject = (value: CtyValue): value is CtyObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Unknown) && !(value instanceof Decimal) && !(value instanceof Dynamic);

/** True when the value, or anything inside it, is unknown. */
export function containsUnknown(value: CtyValue): boolean {
  if (value instanceof Unknown) return true;
  if (value instanceof Dynamic) return containsUnknown(value.value);
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isObject(value)) return Object.values(value).some(containsUnknown);
  return false;
}

/** A number's value from its text: a plain number when float64 holds it exactly, else a Decimal. */
export function numberFromText(text: string): number | Decimal {
  const number = Number(text);
  if (!Number.isFinite(number) || text.trim() === '') throw new CtyError(`"${text}" is not a number`);
  return String(number) === text || (Number.isSafeInteger(number) && BigInt(text) === BigInt(number)) ? number : new Decimal(text);
}

function assertType(type: unknown): CtyType {
  if (type === 'string' || type === 'number' || type === 'bool' || type === 'dynamic') return type;
  if (Array.isArray(type)) {
    const [kind, element] = type as [unknown, unknown];
    if ((kind === 'list' || kind === 'set' || kind === 'map') && type.length === 2) return [kind, assertType(element)];
    if (kind === 'tuple' && Array.isArray(element)) return ['tuple', element.map(assertType)];
    if (kind === 'object' && element !== null && typeof element === 'object') {
      return ['object', Object.fromEntries(Object.entries(element as Record<string, unknown>).map(([name, t]) => [name, assertType(t)]))];
    }
  }
  throw new CtyError(`${JSON.stringify(type)} is not a cty type`);
}

/** Reads cty's JSON type notation. */
export const parseType = (text: string): CtyType => assertType(JSON.parse(text));
export const typeText = (type: CtyType): string => JSON.stringify(type);

// ---------------------------------------------------------------------------------------------- msgpack

/** msgpack bytes (a DynamicValue's `msgpack` field) of the given type to a value. */
export function fromMsgpack(bytes: Uint8Array, type: CtyType): CtyValue {
  try {
    return fromMsg(decodeMsgpack(bytes), type, '');
  } catch (error) {
    if (error instanceof MsgpackError) throw new CtyError(error.message);
    throw error;
  }
}

const textDecoder = new TextDecoder();

function fromMsg(msg: MsgValue, type: CtyType, path: string): CtyValue {
  if (msg instanceof MsgExt) return UNKNOWN;
  if (msg === null) return null;
  const wrong = (): never => {
    throw new CtyError(`${path || 'value'}: msgpack ${describe(msg)} is not a ${typeText(type)}`);
  };
  if (type === 'dynamic') {
    // A known dynamic value is [type as JSON, value].
    if (!Array.isArray(msg) || msg.length !== 2) return wrong();
    const header = msg[0] as MsgValue;
    const text = header instanceof Uint8Array ? textDecoder.decode(header) : typeof header === 'string' ? header : wrong();
    const concrete = parseType(text as string);
    return new Dynamic(concrete, fromMsg(msg[1] as MsgValue, concrete, path));
  }
  if (type === 'string') return typeof msg === 'string' ? msg : wrong();
  if (type === 'bool') return typeof msg === 'boolean' ? msg : wrong();
  if (type === 'number') {
    if (typeof msg === 'number') return msg;
    if (typeof msg === 'bigint') return new Decimal(msg.toString());
    if (typeof msg === 'string') return numberFromText(msg);
    return wrong();
  }
  if (type[0] === 'list' || type[0] === 'set') {
    const element = type[1];
    if (!Array.isArray(msg)) return wrong();
    return (msg as MsgValue[]).map((item, i) => fromMsg(item, element, `${path}[${i}]`));
  }
  if (type[0] === 'tuple') {
    const elements = type[1];
    if (!Array.isArray(msg) || msg.length !== elements.length) return wrong();
    return (msg as MsgValue[]).map((item, i) => fromMsg(item, elements[i]!, `${path}[${i}]`));
  }
  if (!(msg instanceof MsgMap)) return wrong();
  const entries = new Map<string, MsgValue>();
  for (const [key, value] of msg.entries) {
    if (typeof key !== 'string') return wrong();
    entries.set(key, value);
  }
  if (type[0] === 'map') {
    const element = type[1];
    return Object.fromEntries([...entries].map(([key, value]) => [key, fromMsg(value, element, `${path}["${key}"]`)]));
  }
  // Objects: every attribute of the type; one the wire left out reads as null.
  return Object.fromEntries(
    Object.entries(type[1]).map(([name, attributeType]) => [name, fromMsg(entries.get(name) ?? null, attributeType, path ? `${path}.${name}` : name)]),
  );
}

function describe(msg: MsgValue): string {
  if (msg instanceof MsgMap) return 'map';
  if (msg instanceof Uint8Array) return 'bin';
  if (Array.isArray(msg)) return 'array';
  return typeof msg;
}

const UNKNOWN_MSG = new MsgExt(0, new Uint8Array([0]));
const textEncoder = new TextEncoder();

/** A value of the given type to msgpack bytes. */
export function toMsgpack(value: CtyValue, type: CtyType): Uint8Array {
  return encodeMsgpack(toMsg(value, type, ''));
}

function toMsg(value: CtyValue, type: CtyType, path: string): MsgValue {
  if (value instanceof Unknown) return UNKNOWN_MSG;
  if (value === null) return null;
  const wrong = (): never => {
    throw new CtyError(`${path || 'value'}: ${JSON.stringify(value)} is not a ${typeText(type)}`);
  };
  if (type === 'dynamic') {
    const dynamic = value instanceof Dynamic ? value : dynamicOf(value);
    if (dynamic.value instanceof Unknown) return UNKNOWN_MSG;
    if (dynamic.value === null) return null;
    return [textEncoder.encode(typeText(dynamic.type)), toMsg(dynamic.value, dynamic.type, path)];
  }
  if (value instanceof Dynamic) return toMsg(value.value, type, path);
  if (type === 'string') return typeof value === 'string' ? value : wrong();
  if (type === 'bool') return typeof value === 'boolean' ? value : wrong();
  if (type === 'number') {
    if (typeof value === 'number') return value;
    if (value instanceof Decimal) return value.text;
    return wrong();
  }
  if (type[0] === 'list' || type[0] === 'set') {
    const element = type[1];
    if (!Array.isArray(value)) return wrong();
    return (value as CtyValue[]).map((item, i) => toMsg(item, element, `${path}[${i}]`));
  }
  if (type[0] === 'tuple') {
    const elements = type[1];
    if (!Array.isArray(value) || value.length !== elements.length) return wrong();
    return (value as CtyValue[]).map((item, i) => toMsg(item, elements[i]!, `${path}[${i}]`));
  }
  if (!isObject(value)) return wrong();
  if (type[0] === 'map') {
    const element = type[1];
    return new MsgMap(Object.entries(value).map(([key, item]) => [key, toMsg(item, element, `${path}["${key}"]`)]));
  }
  const attributes = type[1] as { readonly [name: string]: CtyType };
  for (const name of Object.keys(value)) if (!(name in attributes)) throw new CtyError(`${path || 'value'}: attribute "${name}" is not in ${typeText(type)}`);
  return new MsgMap(Object.entries(attributes).map(([name, attributeType]) => [name, toMsg(value[name] ?? null, attributeType, path ? `${path}.${name}` : name)]));
}

// ------------------------------------------------------------------------------------------------ JSON

/**
 * Terraform's JSON encoding of a value of the given type (state files, `raw_state`): plain JSON, with a
 * dynamic value written as {"value": ..., "type": ...}.
 */
export function fromJson(json: unknown, type: CtyType, path = ''): CtyValue {
  if (json === null || json === undefined) return null;
  const wrong = (): never => {
    throw new CtyError(`${path || 'value'}: JSON ${JSON.stringify(json)} is not a ${typeText(type)}`);
  };
  if (type === 'dynamic') {
    if (typeof json !== 'object' || Array.isArray(json) || !('type' in json)) return wrong();
    const { value, type: concrete } = json as { value: unknown; type: unknown };
    const parsed = assertType(concrete);
    return new Dynamic(parsed, fromJson(value, parsed, path));
  }
  if (type === 'string') return typeof json === 'string' ? json : wrong();
  if (type === 'bool') return typeof json === 'boolean' ? json : wrong();
  if (type === 'number') {
    if (typeof json === 'number') return json;
    if (typeof json === 'string') return numberFromText(json);
    return wrong();
  }
  if (type[0] === 'list' || type[0] === 'set') {
    const element = type[1];
    return Array.isArray(json) ? json.map((item, i) => fromJson(item, element, `${path}[${i}]`)) : wrong();
  }
  if (type[0] === 'tuple') {
    const elements = type[1];
    return Array.isArray(json) && json.length === elements.length ? json.map((item, i) => fromJson(item, elements[i]!, `${path}[${i}]`)) : wrong();
  }
  if (typeof json !== 'object' || Array.isArray(json)) return wrong();
  const record = json as Record<string, unknown>;
  if (type[0] === 'map') {
    const element = type[1];
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, fromJson(item, element, `${path}["${key}"]`)]));
  }
  return Object.fromEntries(Object.entries(type[1]).map(([name, t]) => [name, fromJson(record[name], t, path ? `${path}.${name}` : name)]));
}

/** The value as terraform's JSON encoding of the given type (the inverse of fromJson); no unknowns. */
export function toJson(value: CtyValue, type: CtyType): unknown {
  if (value instanceof Unknown) throw new CtyError('an unknown value has no JSON encoding');
  if (value === null) return null;
  if (type === 'dynamic') {
    const dynamic = value instanceof Dynamic ? value : dynamicOf(value);
    return { value: toJson(dynamic.value, dynamic.type), type: dynamic.type };
  }
  if (value instanceof Dynamic) return toJson(value.value, type);
  if (value instanceof Decimal) return Number(value.text);
  if (Array.isArray(value)) {
    const element = (i: number): CtyType => (type[0] === 'tuple' ? (type[1] as readonly CtyType[])[i]! : (type[1] as CtyType));
    return value.map((item: CtyValue, i) => toJson(item, element(i)));
  }
  if (isObject(value)) {
    if (typeof type === 'string') throw new CtyError(`an object is not a ${type}`);
    return Object.fromEntries(
      type[0] === 'object'
        ? Object.entries(type[1] as Record<string, CtyType>).map(([name, t]) => [name, toJson(value[name] ?? null, t)])
        : Object.entries(value).map(([key, item]) => [key, toJson(item, type[1] as CtyType)]),
    );
  }
  return value;
}

// ------------------------------------------------------------------- plain JSON data <-> dynamic values

/**
 * A dynamic value for plain JSON data (an OSB parameters object, binding credentials), typed as
 * terraform types the same literal in configuration: objects, tuples, numbers, strings, bools.
 */
export function dynamicOf(data: unknown): Dynamic {
  return new Dynamic(inferType(data), plainToCty(data));
}

function inferType(data: unknown): CtyType {
  if (data === null || data === undefined) return 'dynamic';
  if (typeof data === 'string') return 'string';
  if (typeof data === 'number') return 'number';
  if (typeof data === 'boolean') return 'bool';
  if (Array.isArray(data)) return ['tuple', data.map(inferType)];
  if (typeof data === 'object') return ['object', Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, inferType(v)]))];
  throw new CtyError(`${typeof data} has no cty type`);
}

function plainToCty(data: unknown): CtyValue {
  if (data === null || data === undefined) return null;
  if (Array.isArray(data)) return data.map(plainToCty);
  if (typeof data === 'object') return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, plainToCty(v)]));
  return data as string | number | boolean;
}

/** A known value as plain JSON data (numbers beyond float64 become their nearest float64). */
export function toPlain(value: CtyValue): unknown {
  if (value instanceof Unknown) throw new CtyError('an unknown value has no JSON form');
  if (value instanceof Dynamic) return toPlain(value.value);
  if (value instanceof Decimal) return Number(value.text);
  if (Array.isArray(value)) return value.map(toPlain);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}

/** Deep equality of plain JSON data: key order does not matter, numbers compare by value. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((key) => key in b && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export { MsgExt, MsgMap, decodeMsgpack, encodeMsgpack };
