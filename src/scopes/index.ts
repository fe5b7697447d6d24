/**
 * Scopes of the seed's draft spec: `realm:context:action`, e.g. `pool:validator.abc:read.basic`.
 * Grammar and wildcard meaning: ./syntax.ts. Every function taking scopes accepts one scope or a
 * collection (a union); set functions compare meanings, not spellings, and throw InvalidScopeError on
 * anything that is not a scope literal, and ScopeComplexityError on valid scopes whose comparison would
 * exceed the work limit. Argument order and meaning follow the AuthX scopes API the draft spec draws on.
 */
import {
  differenceParsed,
  intersectionParsed,
  overlapParsed,
  simplifyParsed,
  supersetParsed,
} from './algebra';
import { InvalidScopeError } from './errors';
import { ANY_VALUE, extractAssignmentsParsed, fillTemplateParsed, type ParameterAssignment } from './parameters';
import { normalizeParsed, parseScope, printScope, type ParsedScope, type ScopeForm } from './syntax';

export { InvalidScopeError, ScopeComplexityError } from './errors';
export { ANY_VALUE, type ParameterAssignment } from './parameters';

/** One scope or a collection of scopes (read as their union). */
export type ScopeInput = string | readonly string[];

// Untyped callers may pass anything; a non-array becomes one (invalid) scope so it throws InvalidScopeError.
const asList = (input: ScopeInput): readonly string[] => (Array.isArray(input) ? input : [input as string]);
const parseAll = (input: ScopeInput, form: ScopeForm = 'literal'): ParsedScope[] => asList(input).map((s) => parseScope(s, form));

function isValidAs(input: ScopeInput, form: ScopeForm): boolean {
  try {
    parseAll(input, form);
    return true;
  } catch (error) {
    if (error instanceof InvalidScopeError) return false;
    throw error;
  }
}

/** A scope literal (or every scope of a collection): names, `*` and `**` only. */
export const isValidScope = (input: ScopeInput): boolean => isValidAs(input, 'literal');

/** A scope template: a literal that may also have `{name}` segments. */
export const isValidScopeTemplate = (input: ScopeInput): boolean => isValidAs(input, 'template');

/** A parameterized scope: a literal that may also have `(name)` segments, never between two `**`. */
export const isValidParameterizedScope = (input: ScopeInput): boolean => isValidAs(input, 'parameterized');

/** The simplest spelling of a scope (`realm:**.**:action` -> `realm:*.**:action`); collections keep their length and order. */
export function normalize(scope: string): string;
export function normalize(collection: readonly string[]): string[];
export function normalize(input: ScopeInput): string | string[] {
  if (typeof input === 'string') return printScope(normalizeParsed(parseScope(input)));
  return parseAll(input).map((s) => printScope(normalizeParsed(s)));
}

/** The collection without scopes made redundant by the others; normalized, same meaning, input order. */
export const simplify = (collection: ScopeInput): string[] => simplifyParsed(parseAll(collection)).map(printScope);

/** Same meaning, ignoring spelling and redundancy. */
export function isEqual(a: ScopeInput, b: ScopeInput): boolean {
  const x = parseAll(a);
  const y = parseAll(b);
  return supersetParsed(x, y) && supersetParsed(y, x);
}

/** `a` allows everything `b` allows (equal counts). The check for "may this token do that?". */
export const isSuperset = (a: ScopeInput, b: ScopeInput): boolean => supersetParsed(parseAll(a), parseAll(b));

export function isStrictSuperset(a: ScopeInput, b: ScopeInput): boolean {
  const x = parseAll(a);
  const y = parseAll(b);
  return supersetParsed(x, y) && !supersetParsed(y, x);
}

export const isSubset = (a: ScopeInput, b: ScopeInput): boolean => isSuperset(b, a);

export const isStrictSubset = (a: ScopeInput, b: ScopeInput): boolean => isStrictSuperset(b, a);

/** Exactly what both allow, as a simplified collection (empty when nothing is common). */
export const getIntersection = (a: ScopeInput, b: ScopeInput): string[] => intersectionParsed(parseAll(a), parseAll(b)).map(printScope);

/** Whether anything is allowed by both. */
export const hasIntersection = (a: ScopeInput, b: ScopeInput): boolean => overlapParsed(parseAll(a), parseAll(b));

/**
 * The scopes of `b` that `a` does not entirely cover: AuthX's getDifference(collectionA, collectionB),
 * "scopes present in collectionB but NOT collectionA", returned normalized and as written in `b`
 * (deduplicated). Conservative, as the exact difference is often not expressible as scopes: a scope of
 * `b` that `a` covers only in part is kept whole. So `getDifference(a, b)` plus `getIntersection(a, b)`
 * covers `b`, and an empty difference means `isSuperset(a, b)`. For "which requested scopes are not
 * allowed?" call `getDifference(allowed, requested)`.
 */
export const getDifference = (a: ScopeInput, b: ScopeInput): string[] => differenceParsed(parseAll(b), parseAll(a)).map(printScope);

/**
 * Fills `{name}` segments from `values`: `fillTemplate("pool:validator.{id}:read.basic", { id: "abc" })`.
 * Values must be plain names; a missing or wildcard value throws InvalidScopeError.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string;
export function fillTemplate(templates: readonly string[], values: Readonly<Record<string, string>>): string[];
export function fillTemplate(input: ScopeInput, values: Readonly<Record<string, string>>): string | string[] {
  if (typeof input === 'string') return fillTemplateParsed(input, values);
  return input.map((template) => fillTemplateParsed(template, values));
}

/**
 * The values of the parameters of `parameterized` for which `literals` allow the whole scope, as the
 * broadest assignments: with literals `["pool:validator.a:read.*", "pool:validator.b:**"]`,
 * `pool:validator.(id):read.basic` gives `[{ id: "a" }, { id: "b" }]`; `pool:**:read.basic` gives
 * `[{ id: "*" }]` (every id). Empty when no value is covered.
 */
export function extractParameterAssignments(parameterized: string, literals: ScopeInput): ParameterAssignment[] {
  return extractAssignmentsParsed(parseScope(parameterized, 'parameterized'), parseAll(literals));
}

/**
 * The covered values per parameter name: `{ id: ["a", "b"] }`, or `{ id: ["*"] }` when every value is.
 * With several parameters the pairing between them is lost; use extractParameterAssignments for it.
 */
export function extractParameters(parameterized: string, literals: ScopeInput): Readonly<Record<string, readonly string[]>> {
  const parsed = parseScope(parameterized, 'parameterized');
  const assignments = extractAssignmentsParsed(parsed, parseAll(literals));
  const names = new Set<string>();
  for (const domain of parsed) for (const segment of domain) if (segment.kind === 'parameter') names.add(segment.name);
  const out: Record<string, readonly string[]> = {};
  for (const name of names) {
    const values = new Set(assignments.map((assignment) => assignment[name]!));
    out[name] = values.has(ANY_VALUE) ? [ANY_VALUE] : [...values].sort();
  }
  return out;
}
