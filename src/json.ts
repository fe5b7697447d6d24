/**
 * JSON helpers the whole broker shares: the one `isObject`, structural equality, and the bounds every
 * JSON value the broker accepts must keep. Everything here is iterative: a value nested thousands of
 * levels deep (well inside the body limit) must never overflow the stack.
 */
import type { JsonObject, JsonValue } from './operations/types';

/** A plain JSON object (not an array, not null); `T` types its members (e.g. a module's own JSON type). */
export const isObject = <T = JsonValue>(value: unknown): value is { readonly [key: string]: T } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Nesting levels a value may have (the top-level object is level 1). Parameters need a handful. */
export const MAX_JSON_DEPTH = 32;
/** Values (object members and array items, nested ones included) one accepted value may hold. */
export const MAX_JSON_VALUES = 10_000;

/** Why a value is out of bounds, or undefined when it is within them. */
export interface JsonBoundsViolation {
  /** `depth` or `values`. */
  readonly limit: 'depth' | 'values';
  /** Where it was first exceeded, e.g. `parameters.a.b[0]` (clipped). */
  readonly path: string;
}

const clipPath = (path: string): string => (path.length > 80 ? `${path.slice(0, 77)}...` : path);

/**
 * Walks `value` (iteratively) and reports the first bound it breaks: deeper than `maxDepth` levels or more
 * than `maxValues` nested values. `path` names the value for the message (`context`, `parameters`).
 */
export function jsonBoundsViolation(
  value: unknown,
  path: string,
  maxDepth: number = MAX_JSON_DEPTH,
  maxValues: number = MAX_JSON_VALUES,
): JsonBoundsViolation | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 1, path }];
  let count = 0;
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) return { limit: 'depth', path: clipPath(item.path) };
    const children: [string, unknown][] = Array.isArray(item.value)
      ? item.value.map((child, i) => [`${item.path}[${i}]`, child])
      : Object.entries(item.value).map(([key, child]) => [`${item.path}.${key}`, child]);
    count += children.length;
    if (count > maxValues) return { limit: 'values', path: clipPath(item.path) };
    for (const [childPath, child] of children) stack.push({ value: child, depth: item.depth + 1, path: childPath });
  }
  return undefined;
}

/** The violation as a sentence naming the field and the fix. */
export function describeJsonBoundsViolation(field: string, violation: JsonBoundsViolation): string {
  return violation.limit === 'depth'
    ? `${field} nests deeper than ${MAX_JSON_DEPTH} levels (at ${violation.path}); flatten it`
    : `${field} holds more than ${MAX_JSON_VALUES} values (at ${violation.path}); send fewer`;
}

/**
 * Structural equality of JSON values (object key order ignored): "identical attributes" in OSB terms.
 * Iterative, so two deep values compare without recursion.
 */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const pairs: [JsonValue | undefined, JsonValue | undefined][] = [[a, b]];
  while (pairs.length > 0) {
    const [x, y] = pairs.pop()!;
    if (x === y) continue;
    if (x === null || y === null || x === undefined || y === undefined || typeof x !== 'object' || typeof y !== 'object') return false;
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i += 1) pairs.push([x[i] as JsonValue, (y as readonly JsonValue[])[i]]);
      continue;
    }
    const objectX = x as JsonObject;
    const objectY = y as JsonObject;
    const keys = Object.keys(objectX);
    if (keys.length !== Object.keys(objectY).length) return false;
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(objectY, key)) return false;
      pairs.push([objectX[key], objectY[key]]);
    }
  }
  return true;
}
