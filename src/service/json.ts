/** Structural equality of JSON values (object key order ignored): "identical attributes" in OSB terms. */
import type { JsonValue } from '../operations/types';

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: JsonValue, i: number) => jsonEqual(item, (b as readonly JsonValue[])[i]));
  }
  const objectA = a as Readonly<Record<string, JsonValue>>;
  const objectB = b as Readonly<Record<string, JsonValue>>;
  const keysA = Object.keys(objectA);
  if (keysA.length !== Object.keys(objectB).length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(objectB, key) && jsonEqual(objectA[key], objectB[key]));
}
