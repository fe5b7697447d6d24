/**
 * Property tests: random scopes from a seeded generator, checked against algebraic laws and against a
 * brute-force oracle (test/scopes/random.ts) that enumerates concrete scopes up to a bounded length.
 */
import { describe, expect, it } from 'vitest';
import {
  extractParameterAssignments,
  getDifference,
  getIntersection,
  hasIntersection,
  isEqual,
  isStrictSuperset,
  isSubset,
  isSuperset,
  normalize,
  simplify,
} from '../../src/scopes';
import { SeededRandom, concreteDomains, scopeMatches } from './random';

const SEGMENTS = ['a', 'b', '*', '**'];
const CASES = 150;

function randomDomain(random: SeededRandom, maxLength: number): string {
  const length = random.int(1, maxLength);
  return Array.from({ length }, () => random.pick(SEGMENTS)).join('.');
}

/** Scopes varying in the context domain only, so the oracle can enumerate that domain exhaustively. */
const contextScope = (random: SeededRandom): string => `r:${randomDomain(random, 3)}:x`;

/** Scopes varying in all three domains, for the laws that need no oracle. */
const fullScope = (random: SeededRandom): string =>
  [randomDomain(random, 2), randomDomain(random, 3), randomDomain(random, 2)].join(':');

const collection = (random: SeededRandom, make: (r: SeededRandom) => string): string[] =>
  Array.from({ length: random.int(1, 3) }, () => make(random));

// `z` stands for every name the patterns do not spell; 5 segments exceed every witness a pair of
// 3-segment patterns needs.
const CONCRETE = concreteDomains(['a', 'b', 'z'], 5).map((context) => `r:${context}:x`);
const allows = (scopes: readonly string[], concrete: string) => scopes.some((scope) => scopeMatches(scope, concrete));
const oracleSuperset = (a: readonly string[], b: readonly string[]) => CONCRETE.every((c) => !allows(b, c) || allows(a, c));

describe('against the brute-force oracle', () => {
  it('isSuperset agrees on random collections', () => {
    const random = new SeededRandom(1);
    for (let i = 0; i < CASES; i++) {
      const a = collection(random, contextScope);
      const b = collection(random, contextScope);
      expect(isSuperset(a, b), `isSuperset(${JSON.stringify(a)}, ${JSON.stringify(b)})`).toBe(oracleSuperset(a, b));
    }
  });

  it('getIntersection denotes exactly the common concrete scopes', () => {
    const random = new SeededRandom(2);
    for (let i = 0; i < CASES; i++) {
      const a = collection(random, contextScope);
      const b = collection(random, contextScope);
      const intersection = getIntersection(a, b);
      const label = `getIntersection(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${JSON.stringify(intersection)}`;
      for (const concrete of CONCRETE) {
        expect(allows(intersection, concrete), `${label} at ${concrete}`).toBe(allows(a, concrete) && allows(b, concrete));
      }
      expect(hasIntersection(a, b), label).toBe(intersection.length > 0);
    }
  });

  it('normalize and simplify keep the meaning', () => {
    const random = new SeededRandom(3);
    for (let i = 0; i < CASES; i++) {
      const x = collection(random, contextScope);
      const normalized = normalize(x);
      const simplified = simplify(x);
      for (const concrete of CONCRETE) {
        expect(allows(normalized, concrete)).toBe(allows(x, concrete));
        expect(allows(simplified, concrete)).toBe(allows(x, concrete));
      }
    }
  });
});

describe('algebraic laws on random three-domain collections', () => {
  it('intersection is below both operands; getDifference(a, b) and the intersection cover b', () => {
    const random = new SeededRandom(4);
    for (let i = 0; i < CASES; i++) {
      const a = collection(random, fullScope);
      const b = collection(random, fullScope);
      const intersection = getIntersection(a, b);
      // AuthX order: the scopes of b that a does not cover.
      const difference = getDifference(a, b);
      const label = `a=${JSON.stringify(a)} b=${JSON.stringify(b)}`;
      expect(isSuperset(a, intersection), label).toBe(true);
      expect(isSubset(intersection, b), label).toBe(true);
      expect(isEqual(intersection, getIntersection(b, a)), label).toBe(true);
      expect(isSuperset([...difference, ...intersection], b), label).toBe(true);
      expect(isSuperset(b, difference), label).toBe(true);
      expect(difference.length === 0, label).toBe(isSuperset(a, b));
    }
  });

  it('simplify keeps the meaning, drops every redundant scope, and is idempotent', () => {
    const random = new SeededRandom(5);
    for (let i = 0; i < CASES; i++) {
      const x = [...collection(random, fullScope), ...collection(random, fullScope)];
      const simplified = simplify(x);
      const label = `x=${JSON.stringify(x)} simplified=${JSON.stringify(simplified)}`;
      expect(isEqual(simplified, x), label).toBe(true);
      expect(simplify(simplified), label).toEqual(simplified);
      simplified.forEach((scope, index) => {
        const others = simplified.filter((_, j) => j !== index);
        expect(isSuperset(others, scope), `${label}: ${scope} is redundant`).toBe(false);
      });
    }
  });

  it('normalize is idempotent and superset is a partial order', () => {
    const random = new SeededRandom(6);
    for (let i = 0; i < CASES; i++) {
      const a = fullScope(random);
      const b = fullScope(random);
      const c = fullScope(random);
      expect(normalize(normalize(a))).toBe(normalize(a));
      expect(isSuperset(a, a)).toBe(true);
      expect(isStrictSuperset(a, a)).toBe(false);
      if (isSuperset(a, b) && isSuperset(b, a)) expect(isEqual(a, b)).toBe(true);
      if (isSuperset(a, b) && isSuperset(b, c)) expect(isSuperset(a, c)).toBe(true);
      expect(isStrictSuperset(a, b)).toBe(isSuperset(a, b) && !isEqual(a, b));
    }
  });

  it('every extracted assignment is covered by the literals, and uncovered values are not extracted', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < CASES; i++) {
      const parameterized = `r:${randomDomain(random, 1)}.(id).${random.pick(['a', 'b', '*'])}:x`;
      const literals = collection(random, contextScope);
      const assignments = extractParameterAssignments(parameterized, literals);
      const label = `${parameterized} with ${JSON.stringify(literals)} -> ${JSON.stringify(assignments)}`;
      for (const { id } of assignments) {
        expect(isSuperset(literals, parameterized.replace('(id)', id!)), label).toBe(true);
      }
      const extracted = new Set(assignments.map((assignment) => assignment['id']));
      for (const value of ['a', 'b', 'z']) {
        const covered = isSuperset(literals, parameterized.replace('(id)', value));
        expect(covered, `${label} value ${value}`).toBe(extracted.has('*') || extracted.has(value));
      }
    }
  });
});
