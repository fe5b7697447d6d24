import { describe, expect, it } from 'vitest';
import {
  InvalidScopeError,
  ScopeComplexityError,
  extractParameterAssignments,
  extractParameters,
  fillTemplate,
  getDifference,
  getIntersection,
  hasIntersection,
  isEqual,
  isStrictSubset,
  isStrictSuperset,
  isSubset,
  isSuperset,
  isValidParameterizedScope,
  isValidScope,
  isValidScopeTemplate,
  normalize,
  simplify,
} from '../../src/scopes';

describe('grammar (seed-spec-notes §2 examples)', () => {
  it.each([
    'pool:validator.abc:read.basic',
    'pool:validator.*:*.basic',
    'pool:**:read.*',
    'realm:context.identifier:action.**',
    // Names may be empty, so "a..b" is three segments with an empty middle one.
    'authx:v2.authorization..*:**',
    'pool:validator.0xa1b2-c_3:read',
  ])('%s is a scope literal, template and parameterized scope', (scope) => {
    expect(isValidScope(scope)).toBe(true);
    expect(isValidScopeTemplate(scope)).toBe(true);
    expect(isValidParameterizedScope(scope)).toBe(true);
  });

  it.each<[string, boolean, boolean, boolean]>([
    // scope, literal, template, parameterized
    ['realm:context.***:action', false, false, false],
    ['pool:validator.{current_user_id}:read.basic', false, true, false],
    ['realm:context.{identifier}:action', false, true, false],
    ['pool:validator.(user_id):read.basic', false, false, true],
    ['authx:v2.authorization..*.(client_id)..(grant_id)..(current_user_id):**', false, false, true],
    ['authx:v2.**.(client_id)..(grant_id)..(current_user_id):**', false, false, true],
    // `**` on both sides of a parameter: its position is ambiguous.
    ['authx:v2.**.(client_id)..**:**', false, false, false],
    ['pool:validator.{}:read', false, false, false],
    ['pool:validator.()', false, false, false],
    ['pool:validator', false, false, false],
    ['pool:validator:read:extra', false, false, false],
    ['pool:valid*tor:read', false, false, false],
    ['pool:validator abc:read', false, false, false],
  ])('%s: literal %s, template %s, parameterized %s', (scope, literal, template, parameterized) => {
    expect(isValidScope(scope)).toBe(literal);
    expect(isValidScopeTemplate(scope)).toBe(template);
    expect(isValidParameterizedScope(scope)).toBe(parameterized);
  });

  it('validates a collection as a whole', () => {
    expect(isValidScope(['a:b:c', 'a:**:*'])).toBe(true);
    expect(isValidScope(['a:b:c', 'a:b'])).toBe(false);
    expect(isValidScope([])).toBe(true);
  });

  it.each<[string, RegExp]>([
    ['realm:context.***:action', /invalid scope "realm:context\.\*\*\*:action": segment "\*\*\*" of the context domain is not a name/],
    ['pool:validator', /has 2 domains; a scope has exactly three, realm:context:action/],
    ['pool:validator.{id}:read', /segment "\{id\}" of the context domain is a template placeholder, which only scope templates may have/],
    ['pool:validator.(id):read', /segment "\(id\)" of the context domain is a parameter/],
  ])('normalize(%s) throws InvalidScopeError naming the scope and the problem', (scope, message) => {
    expect(() => normalize(scope)).toThrow(InvalidScopeError);
    expect(() => normalize(scope)).toThrow(message);
  });

  it('names the ambiguous parameter', () => {
    expect(() => extractParameters('authx:v2.**.(client_id)..**:**', 'authx:**:**')).toThrow(
      /parameter \(client_id\) in the context domain has "\*\*" on both sides/,
    );
  });

  it('refuses non-strings from untyped callers', () => {
    expect(() => isSuperset([42 as unknown as string], 'a:b:c')).toThrow(/expected a string/);
  });

  it('set functions refuse templates: a template is never a grant', () => {
    expect(() => isSuperset('pool:validator.{id}:read', 'pool:validator.a:read')).toThrow(InvalidScopeError);
  });
});

describe('normalize', () => {
  it.each([
    ['realm:**.**:action', 'realm:*.**:action'],
    ['realm:**.*:action', 'realm:*.**:action'],
    ['realm:*.**.*:action', 'realm:*.*.**:action'],
    ['realm:a.**.**.b.*.*:action', 'realm:a.*.**.b.*.*:action'],
    ['realm:**:**.**.**', 'realm:**:*.*.**'],
    ['pool:validator.abc:read.basic', 'pool:validator.abc:read.basic'],
  ])('%s -> %s', (scope, normal) => {
    expect(normalize(scope)).toBe(normal);
    expect(isEqual(scope, normal)).toBe(true);
  });

  it('maps a collection element by element', () => {
    expect(normalize(['a:**.**:b', 'a:b:c', 'a:b:c'])).toEqual(['a:*.**:b', 'a:b:c', 'a:b:c']);
  });
});

describe('`**` matches one or more segments, never zero', () => {
  it.each<[string, string, boolean]>([
    ['pool:validator.**:read', 'pool:validator:read', false],
    ['pool:validator.**:read', 'pool:validator.abc:read', true],
    ['pool:validator.**:read', 'pool:validator.abc.def:read', true],
    ['pool:**:read', 'pool:validator:read', true],
    ['pool:**.**:read', 'pool:validator:read', false],
    ['pool:**.**:read', 'pool:validator.abc:read', true],
    ['pool:*:read', 'pool:validator.abc:read', false],
    ['pool:*.*:read', 'pool:*.**:read', false],
    ['pool:*.**:read', 'pool:**.*:read', true],
  ])('isSuperset(%s, %s) = %s', (a, b, expected) => {
    expect(isSuperset(a, b)).toBe(expected);
  });
});

describe('simplify', () => {
  it.each<[string[], string[]]>([
    [['realm:resource.*:action', 'realm:**:action'], ['realm:**:action']],
    [['realm:**:action', 'realm:resource.*:action'], ['realm:**:action']],
    [['a:b:c', 'a:b:c', 'a:b.c:d'], ['a:b:c', 'a:b.c:d']],
    [['a:**.**:c', 'a:*.**:c'], ['a:*.**:c']],
    // Covered only by the union of the others: r:*:a and r:*.**:a together are r:**:a.
    [['r:*:a', 'r:*.**:a', 'r:x:a'], ['r:*:a', 'r:*.**:a']],
    [['r:**:a', 'r:*:a', 'r:*.**:a'], ['r:**:a']],
    [[], []],
  ])('%j -> %j', (collection, simplified) => {
    expect(simplify(collection)).toEqual(simplified);
  });
});

describe('equality, superset and subset (AuthX README examples)', () => {
  it('isEqual ignores redundant scopes', () => {
    expect(isEqual(['realm:**:*'], ['realm:**:action', 'realm:**:*'])).toBe(true);
    expect(isEqual('realm:**:action', 'realm:**:*')).toBe(false);
    expect(isEqual([], [])).toBe(true);
  });

  it.each<[string[], string[], boolean, boolean, boolean, boolean]>([
    // a, b, isSuperset(a,b), isStrictSuperset(a,b), isSubset(a,b), isStrictSubset(a,b)
    [['realm:**:*'], ['realm:**:action', 'realm:**:*'], true, false, true, false],
    [['realm:**:action', 'realm:**:*'], ['realm:**:*'], true, false, true, false],
    [['realm:**:*'], ['realm:**:action'], true, true, false, false],
    [['realm:**:action'], ['realm:**:*'], false, false, true, true],
    [['realm:a:*'], ['realm:b:*'], false, false, false, false],
    [['pool:validator.*:read.*'], ['pool:validator.abc:read.basic', 'pool:validator.def:read.x'], true, true, false, false],
    [[], ['a:b:c'], false, false, true, true],
    [['a:b:c'], [], true, true, false, false],
  ])('%j vs %j', (a, b, superset, strictSuperset, subset, strictSubset) => {
    expect(isSuperset(a, b)).toBe(superset);
    expect(isStrictSuperset(a, b)).toBe(strictSuperset);
    expect(isSubset(a, b)).toBe(subset);
    expect(isStrictSubset(a, b)).toBe(strictSubset);
  });

  it('decides coverage by a union, not only by a single scope', () => {
    expect(isSuperset(['r:*:a', 'r:*.**:a'], 'r:**:a')).toBe(true);
    expect(isSuperset(['r:x:a', 'r:*.**:a'], 'r:**:a')).toBe(false);
    expect(isSuperset(['r:a.**:*', 'r:*:x', 'r:b.**:*', 'r:**:y'], 'r:**:*')).toBe(false);
  });

  it('answers "may this token do that?" for the default binding scope', () => {
    const granted = ['pool:validator.abc:read.basic'];
    expect(isSuperset(granted, 'pool:validator.abc:read.basic')).toBe(true);
    expect(isSuperset(granted, 'pool:validator.abc:read.*')).toBe(false);
    expect(isSuperset(granted, 'pool:validator.def:read.basic')).toBe(false);
  });
});

describe('intersection, difference', () => {
  it.each<[string[], string[], string[]]>([
    [['realm:resource.*:action.*'], ['realm:**:action.read'], ['realm:resource.*:action.read']],
    [['a:x.*.c:z'], ['a:x.**:z'], ['a:x.*.c:z']],
    [['a:**:z'], ['a:*.**:z'], ['a:*.**:z']],
    [['a:a.**:z'], ['a:**.b:z'], ['a:a.b:z', 'a:a.**.b:z']],
    [['a:x:z'], ['a:y:z'], []],
    [['a:x:*'], ['b:x:*'], []],
    [['a:**.x.**:c'], ['a:**.y.**:c'], ['a:**.x.y.**:c', 'a:**.x.**.y.**:c', 'a:**.y.x.**:c', 'a:**.y.**.x.**:c']],
  ])('getIntersection(%j, %j) = %j', (a, b, expected) => {
    expect(getIntersection(a, b)).toEqual(expected);
    expect(hasIntersection(a, b)).toBe(expected.length > 0);
  });

  it('getDifference(a, b): the scopes of b that a does not cover (AuthX order)', () => {
    expect(getDifference('a:*:b', 'a:**:b')).toEqual(['a:**:b']);
    expect(getDifference('a:**:b', ['a:*:b', 'a:*.**:b'])).toEqual([]);
    expect(getDifference([], ['a:**.**:b', 'a:*.**:b'])).toEqual(['a:*.**:b']);
    // Covered only by the union of a: not in the difference.
    expect(getDifference(['r:*:a', 'r:*.**:a'], ['r:**:a', 'r:x.y:a'])).toEqual([]);
    // Partly covered: kept whole, as written in b.
    expect(getDifference('r:x:*', 'r:*:read')).toEqual(['r:*:read']);
  });
});

/**
 * The AuthX scopes README (the library the draft spec's scopes come from), one example per function,
 * argument order as it documents them. Its isEqual example is printed under getIntersection's name; the
 * expected `true` is isEqual's.
 */
describe('AuthX README examples', () => {
  it('isValidScope and isValidScopeTemplate', () => {
    expect(isValidScope('realm:context.identifier:action.**')).toBe(true);
    expect(isValidScope('realm:context.{identifier}:action')).toBe(false);
    expect(isValidScope('realm:context.***:action')).toBe(false);
    expect(isValidScopeTemplate('realm:context.identifier:action.**')).toBe(true);
    expect(isValidScopeTemplate('realm:context.{identifier}:action')).toBe(true);
    expect(isValidScopeTemplate('realm:context.***:action')).toBe(false);
  });

  it('templates and parameterized scopes it lists as valid and invalid', () => {
    expect(isValidScopeTemplate(['billing:customer.{current_user_id}:read.basic', 'authx:v2.authorization..*.{current_client_id}..{current_grant_id}..{current_user_id}:**'])).toBe(true);
    expect(isValidParameterizedScope(['billing:customer.(user_id):read.basic', 'authx:v2.**.(client_id)..(grant_id)..(current_user_id):**'])).toBe(true);
    expect(isValidParameterizedScope('authx:v2.**.(client_id)..**:**')).toBe(false);
  });

  it('normalize', () => {
    expect(normalize('realm:**.**:action')).toBe('realm:*.**:action');
  });

  it('simplify', () => {
    expect(simplify(['realm:resource.*:action', 'realm:**:action'])).toEqual(['realm:**:action']);
  });

  it('isEqual', () => {
    expect(isEqual(['realm:**:*'], ['realm:**:action', 'realm:**:*'])).toBe(true);
  });

  it('isSuperset, isStrictSuperset, isSubset, isStrictSubset', () => {
    expect(isSuperset(['realm:**:*'], ['realm:**:action', 'realm:**:*'])).toBe(true);
    expect(isStrictSuperset(['realm:**:*'], ['realm:**:action', 'realm:**:*'])).toBe(false);
    expect(isSubset(['realm:**:action', 'realm:**:*'], ['realm:**:*'])).toBe(true);
    expect(isStrictSubset(['realm:**:action', 'realm:**:*'], ['realm:**:*'])).toBe(false);
  });

  it('getIntersection and hasIntersection', () => {
    expect(getIntersection(['realm:resource.*:action.*'], ['realm:**:action.read'])).toEqual(['realm:resource.*:action.read']);
    expect(hasIntersection(['realm:resource.*:action.*'], ['realm:**:action.read'])).toBe(true);
  });

  it('getDifference: the scopes of collectionB not in collectionA', () => {
    expect(getDifference(['realm:resource.*:action.*'], ['realm:resource.foo:action.read', 'realm:other:action.read'])).toEqual(['realm:other:action.read']);
  });
});

/** A sample of the AuthX test tables for the set functions; `**` is one or more segments there too. */
describe('AuthX semantics beyond the README', () => {
  it.each<[string[], string[], string[]]>([
    [['client:resource:action'], ['client:resource:action'], []],
    [['client.*:resource:action'], ['client.**:resource:action'], ['client.**:resource:action']],
    [['client.a:resource:action'], ['client.*:resource:action'], ['client.*:resource:action']],
    [['client.**:resource:action'], ['client.a.b:resource:action'], []],
    [['client.**:resource:action'], ['client:resource:action'], ['client:resource:action']],
    [['client.*:resource:action', 'other.b:resource:action'], ['client.a:resource:action', 'client.c:resource:action'], []],
    [['client.b:resource:action', 'client.a:resource:action'], ['client.*:resource:action'], ['client.*:resource:action']],
  ])('getDifference(%j, %j) = %j', (a, b, expected) => {
    expect(getDifference(a, b)).toEqual(expected);
    expect(isSuperset(a, b)).toBe(expected.length === 0);
  });

  it.each<[string[], string[]]>([
    [['*:b:c', '**:b:c'], ['**:b:c']],
    [['foo.a:b:c', 'foo.*:b:c', 'foo.*:b:c', 'foo.**:b:c'], ['foo.**:b:c']],
    [['AuthX:credential.incontact.me:read', 'AuthX:credential.incontact.user:read', 'AuthX:credential.*.me:*'], ['AuthX:credential.incontact.user:read', 'AuthX:credential.*.me:*']],
  ])('simplify(%j) keeps %j (any order)', (collection, kept) => {
    expect([...simplify(collection)].sort()).toEqual([...kept].sort());
  });

  it.each<[string, string, boolean]>([
    ['a:b:c', 'a.x:b:c', false],
    ['*:b:c', 'a:b:c', false],
    ['**.**:b:c', '*.**:b:c', true],
  ])('isEqual(%s, %s) = %s', (a, b, expected) => {
    expect(isEqual(a, b)).toBe(expected);
  });

  it.each<[string, string, string[]]>([
    ['**.y:b:c', 'x.**:b:c', ['x.**.y:b:c', 'x.y:b:c']],
    ['*:**:c', '**:*:c', ['*:*:c']],
    ['*.*.c:y:z', 'a.**:y:z', ['a.*.c:y:z']],
  ])('getIntersection(%s, %s) = %j (any order)', (a, b, expected) => {
    expect([...getIntersection(a, b)].sort()).toEqual([...expected].sort());
  });
});

describe('templates', () => {
  it('fills every placeholder', () => {
    expect(fillTemplate('pool:validator.{current_user_id}:read.basic', { current_user_id: 'abc' })).toBe('pool:validator.abc:read.basic');
    expect(fillTemplate(['a:{x}.{y}:{x}', 'a:b:c'], { x: '1', y: '' })).toEqual(['a:1.:1', 'a:b:c']);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['pool:validator.{id}:read', {}, /no value for \{id\}; pass one in values\.id/],
    ['pool:validator.{id}:read', { id: '*' }, /value "\*" for \{id\} is not a plain segment name/],
    ['pool:validator.{id}:read', { id: 'a.b' }, /value "a\.b" for \{id\}/],
    ['pool:validator.{id}:read', { id: 'a:b' }, /value "a:b" for \{id\}/],
    ['pool:validator.(id):read', { id: 'a' }, /is a parameter/],
  ])('fillTemplate(%s, %j) refuses', (template, values, message) => {
    expect(() => fillTemplate(template, values)).toThrow(message);
  });
});

describe('parameterized scopes', () => {
  const parameterized = 'pool:validator.(id):read.basic';

  it.each<[string[], Record<string, string[]>]>([
    [['pool:validator.abc:read.basic'], { id: ['abc'] }],
    [['pool:validator.a:read.*', 'pool:validator.b:**', 'other:validator.c:read.basic'], { id: ['a', 'b'] }],
    [['pool:**:read.basic'], { id: ['*'] }],
    [['pool:validator.*:read.basic', 'pool:validator.a:read.basic'], { id: ['*'] }],
    [['pool:validator.abc:write.basic', 'pool:validator.abc.def:read.basic'], { id: [] }],
    [['pool:validator.abc:read.basic.more'], { id: [] }],
    [[], { id: [] }],
  ])('extractParameters with %j', (literals, expected) => {
    expect(extractParameters(parameterized, literals)).toEqual(expected);
  });

  it('counts a value covered only by the union of several literals', () => {
    expect(extractParameters('pool:validator.(id):read.**', ['pool:validator.a:read.*', 'pool:validator.a:read.*.**', 'pool:validator.b:read.x'])).toEqual({ id: ['a'] });
  });

  it('keeps the pairing of several parameters', () => {
    const scope = 'authx:v2.**.(client_id)..(grant_id):**';
    const literals = ['authx:v2.x.c1..g1:read', 'authx:v2.**.c1..g1:**', 'authx:v2.*.c3..g3:**', 'authx:v2.**.c2..*:**'];
    expect(extractParameterAssignments(scope, literals)).toEqual([
      { client_id: 'c1', grant_id: 'g1' },
      { client_id: 'c2', grant_id: '*' },
    ]);
    expect(extractParameters(scope, literals)).toEqual({ client_id: ['c1', 'c2'], grant_id: ['*'] });
  });

  it('a parameter repeated in a scope takes one value', () => {
    expect(extractParameterAssignments('pool:validator.(id):read.(id)', ['pool:validator.a:read.a', 'pool:validator.b:read.c'])).toEqual([{ id: 'a' }]);
  });

  it('a scope without parameters yields one empty assignment when covered', () => {
    expect(extractParameterAssignments('a:b:c', 'a:*:c')).toEqual([{}]);
    expect(extractParameterAssignments('a:b:c', 'a:x:c')).toEqual([]);
  });
});

describe('untyped input', () => {
  it.each([42, null, { scope: 'a:b:c' }])('isValidScope(%j) is false and set functions throw InvalidScopeError', (input) => {
    expect(isValidScope(input as unknown as string)).toBe(false);
    expect(() => isSuperset(input as unknown as string, 'a:b:c')).toThrow(InvalidScopeError);
  });
});

describe('safety limits against hostile scopes', () => {
  const segments = (n: number, segment: string) => Array.from({ length: n }, () => segment).join('.');

  it('refuses a domain of more than 32 segments', () => {
    expect(isValidScope(`r:${segments(32, 'a')}:x`)).toBe(true);
    expect(() => normalize(`r:${segments(33, 'a')}:x`)).toThrow(/the context domain has 33 segments; at most 32 are accepted/);
  });

  it('refuses a domain whose automaton would explode (a name followed by many "*" after a "**") as too complex, not invalid', () => {
    const scope = `r:**.a.${segments(20, '*')}:x`;
    expect(isValidScope(scope)).toBe(true);
    expect(() => isSuperset(scope, 'r:**:x')).toThrow(ScopeComplexityError);
    expect(() => isSuperset(scope, 'r:**:x')).toThrow(/its wildcards are too complex to compare .* use fewer "\*" after a "\*\*"/);
  });

  it('refuses an intersection with too many interleavings as too complex', () => {
    const compute = () => getIntersection(`r:${segments(15, '**.a')}.**:x`, `r:${segments(15, '**.b')}.**:x`);
    expect(compute).toThrow(ScopeComplexityError);
    expect(compute).toThrow(/has more than 64 patterns/);
  });

  it('keeps the two errors apart: a complexity error is not an InvalidScopeError', () => {
    let caught: unknown;
    try {
      getIntersection(`r:${segments(15, '**.a')}.**:x`, `r:${segments(15, '**.b')}.**:x`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScopeComplexityError);
    expect(caught).not.toBeInstanceOf(InvalidScopeError);
    expect((caught as Error).name).toBe('ScopeComplexityError');
    expect(() => normalize('r:a.***:x')).toThrow(InvalidScopeError);
    expect(() => normalize('r:a.***:x')).not.toThrow(ScopeComplexityError);
  });

  it('refuses a union coverage question past the work limit, and simplify then keeps the scope', () => {
    const overlapping = Array.from({ length: 32 }, (_, i) => `r:**.n${i % 8}.**.m${i % 5}.**.o${i % 3}.**:**`);
    expect(() => isSuperset(overlapping, 'r:**.n0.**:**')).toThrow(ScopeComplexityError);
    expect(() => isSuperset(overlapping, 'r:**.n0.**:**')).toThrow(
      /^scopes too complex to compare \(33 scopes including r:\*\*\.n0\.\*\*\.m0\.\*\*\.o0\.\*\*:\*\*\): deciding this takes more than 100000 automaton states/,
    );
    // Undecided redundancy is kept: the result still means the same.
    expect(isEqual(simplify(overlapping), overlapping)).toBe(true);
  });
});
