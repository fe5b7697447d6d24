/**
 * Structural diff of two JSON values into readable changes: `spec.template.spec.container[execution].image`
 * with the old and new value. Lists of scalars (args, flags) diff as removed/added items, multi-line
 * strings (cloud-init scripts) as removed/added lines, lists of named objects (containers, ports) pair by
 * name so one inserted element does not show every later one as changed. Pure.
 */
import { isObject } from '../json';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** One step of a path: an object key, a list index, or the `name` of a list element. */
export type PathSegment = { readonly key: string } | { readonly index: number } | { readonly name: string };

interface ChangeBase {
  /** Readable path, e.g. `spec.volume_claim_template[data].spec.resources.requests.storage`. */
  readonly path: string;
  readonly segments: readonly PathSegment[];
}

export type ValueChange =
  | (ChangeBase & { readonly kind: 'changed'; readonly before: Json; readonly after: Json })
  | (ChangeBase & { readonly kind: 'added'; readonly after: Json })
  | (ChangeBase & { readonly kind: 'removed'; readonly before: Json })
  /** A list of scalars whose membership changed (order changes alone are `changed`). */
  | (ChangeBase & { readonly kind: 'items'; readonly removed: readonly Json[]; readonly added: readonly Json[] })
  /** A multi-line string: lines removed and added, in order. */
  | (ChangeBase & { readonly kind: 'lines'; readonly removed: readonly string[]; readonly added: readonly string[] });

/** Keys cdktf adds for its own bookkeeping (`//` metadata): never a change of the infrastructure. */
const IGNORED_KEY = '//';

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if ('key' in segment) out += out === '' ? segment.key : `.${segment.key}`;
    else if ('index' in segment) out += `[${segment.index}]`;
    else out += `[${segment.name}]`;
  }
  return out;
}

/** The object keys of a path alone (`spec.volume_claim_template.spec.resources`), for rules that ignore list positions. */
export function keyPath(segments: readonly PathSegment[]): string {
  return segments.flatMap((segment) => ('key' in segment ? [segment.key] : [])).join('.');
}


export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((key) => key !== IGNORED_KEY));
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/** The value without cdktf's `//` metadata, at any depth. */
export function stripMetadata(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== IGNORED_KEY).map(([key, item]) => [key, stripMetadata(item)]));
  }
  return value;
}

export function diffJson(before: Json, after: Json, prefix: readonly PathSegment[] = []): ValueChange[] {
  const changes: ValueChange[] = [];
  walk(before, after, prefix, changes);
  return changes;
}

function walk(before: Json, after: Json, segments: readonly PathSegment[], out: ValueChange[]): void {
  if (deepEqual(before, after)) return;
  const path = formatPath(segments);
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((key) => !(key in before))].filter((key) => key !== IGNORED_KEY);
    for (const key of keys) {
      const child = [...segments, { key }];
      const b = before[key];
      const a = after[key];
      if (b === undefined && a !== undefined) out.push({ kind: 'added', path: formatPath(child), segments: child, after: stripMetadata(a) });
      else if (a === undefined && b !== undefined) out.push({ kind: 'removed', path: formatPath(child), segments: child, before: stripMetadata(b) });
      else if (a !== undefined && b !== undefined) walk(b, a, child, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    walkList(before, after, segments, out);
    return;
  }
  if (typeof before === 'string' && typeof after === 'string' && (before.includes('\n') || after.includes('\n'))) {
    const { removed, added } = lineDiff(before.split('\n'), after.split('\n'));
    out.push({ kind: 'lines', path, segments, removed, added });
    return;
  }
  out.push({ kind: 'changed', path, segments, before: stripMetadata(before), after: stripMetadata(after) });
}

const isScalar = (value: Json): boolean => value === null || typeof value !== 'object';

/** `name`, else `metadata.name`: what pairs elements of a list of objects. */
function elementName(value: Json): string | undefined {
  if (!isObject(value)) return undefined;
  const name = value['name'];
  if (typeof name === 'string') return name;
  const metadata = value['metadata'];
  if (isObject(metadata) && typeof metadata['name'] === 'string') return metadata['name'];
  return undefined;
}

function uniqueNames(list: readonly Json[]): string[] | undefined {
  const names = list.map(elementName);
  if (names.some((name) => name === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

function walkList(before: readonly Json[], after: readonly Json[], segments: readonly PathSegment[], out: ValueChange[]): void {
  const path = formatPath(segments);
  if (before.every(isScalar) && after.every(isScalar)) {
    const removed = multisetMinus(before, after);
    const added = multisetMinus(after, before);
    if (removed.length === 0 && added.length === 0) out.push({ kind: 'changed', path, segments, before, after });
    else out.push({ kind: 'items', path, segments, removed, added });
    return;
  }
  const beforeNames = uniqueNames(before);
  const afterNames = uniqueNames(after);
  if (beforeNames && afterNames && (before.length > 1 || after.length > 1 || beforeNames[0] === afterNames[0])) {
    const afterByName = new Map(afterNames.map((name, index) => [name, after[index]!]));
    const beforeByName = new Map(beforeNames.map((name, index) => [name, before[index]!]));
    for (const [index, name] of beforeNames.entries()) {
      const child = [...segments, { name }];
      const match = afterByName.get(name);
      if (match === undefined) out.push({ kind: 'removed', path: formatPath(child), segments: child, before: stripMetadata(before[index]!) });
      else walk(before[index]!, match, child, out);
    }
    for (const [index, name] of afterNames.entries()) {
      if (beforeByName.has(name)) continue;
      const child = [...segments, { name }];
      out.push({ kind: 'added', path: formatPath(child), segments: child, after: stripMetadata(after[index]!) });
    }
    return;
  }
  const length = Math.max(before.length, after.length);
  for (let index = 0; index < length; index++) {
    const child = [...segments, { index }];
    if (index >= before.length) out.push({ kind: 'added', path: formatPath(child), segments: child, after: stripMetadata(after[index]!) });
    else if (index >= after.length) out.push({ kind: 'removed', path: formatPath(child), segments: child, before: stripMetadata(before[index]!) });
    else walk(before[index]!, after[index]!, child, out);
  }
}

/** Items of `a` not matched by an equal item of `b` (each match used once). */
function multisetMinus(a: readonly Json[], b: readonly Json[]): Json[] {
  const pool = [...b];
  const out: Json[] = [];
  for (const item of a) {
    const at = pool.findIndex((candidate) => deepEqual(candidate, item));
    if (at < 0) out.push(item);
    else pool.splice(at, 1);
  }
  return out;
}

/** Lines only in `before` and lines only in `after`, by longest common subsequence. */
export function lineDiff(before: readonly string[], after: readonly string[]): { removed: string[]; added: string[] } {
  const n = before.length;
  const m = after.length;
  // lcs[i][j]: LCS length of before[i..] and after[j..]; scripts are a few hundred lines at most.
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      removed.push(before[i++]!);
    } else {
      added.push(after[j++]!);
    }
  }
  while (i < n) removed.push(before[i++]!);
  while (j < m) added.push(after[j++]!);
  return { removed, added };
}
