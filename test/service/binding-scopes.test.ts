/** The scopes a binding token may carry: default, narrower requests, and what is refused. */
import { describe, expect, it } from 'vitest';
import { OsbError } from '../../src/errors';
import { isSuperset } from '../../src/scopes';
import { allowedScopes, defaultScopes, grantedScopes, scopeContextOf } from '../../src/service/binding-scopes';

describe('scopeContextOf: an OSB instance id as one scope segment', () => {
  it.each([
    ['abc-123', 'abc-123'],
    ['a.b', 'a_2eb'],
    ['a~b', 'a_7eb'],
    ['a_b', 'a_5fb'],
    ['a_2eb', 'a_5f2eb'],
  ])('%s -> %s', (id, segment) => {
    expect(scopeContextOf(id)).toBe(segment);
    expect(segment).toMatch(/^[a-zA-Z0-9_-]+$/);
  });

  it('is injective on ids that look like escapes', () => {
    expect(scopeContextOf('a.b')).not.toBe(scopeContextOf('a_2eb'));
  });
});

describe('grantedScopes for instance i-1', () => {
  it('GIVEN no request THEN the default pool:validator.<instance>:read.basic', () => {
    expect(grantedScopes('i-1', undefined)).toEqual(['pool:validator.i-1:read.basic']);
    expect(defaultScopes('i-1')).toEqual(['pool:validator.i-1:read.basic']);
  });

  it.each([
    [['pool:validator.i-1:read.basic'], ['pool:validator.i-1:read.basic']],
    [['pool:validator.i-1:read.*'], ['pool:validator.i-1:read.*']],
    [['pool:validator.i-1:**'], ['pool:validator.i-1:**']],
    [['pool:validator.i-1.0xabc:read.basic'], ['pool:validator.i-1.0xabc:read.basic']],
    // Redundant scopes are dropped.
    [['pool:validator.i-1:read.basic', 'pool:validator.i-1:read.*'], ['pool:validator.i-1:read.*']],
  ])('GIVEN a narrower request %j THEN granted as %j, inside the allowance', (requested, granted) => {
    expect(grantedScopes('i-1', requested)).toEqual(granted);
    expect(isSuperset(allowedScopes('i-1'), granted)).toBe(true);
  });

  it.each([
    [['pool:validator.i-2:read.basic'], /"pool:validator.i-2:read.basic" is wider than this plan allows \(pool:validator.i-1:\*\* pool:validator.i-1.\*\*:\*\*\)/],
    [['pool:**:read.basic'], /wider than this plan allows/],
    [['pool:validator.*:read.basic'], /wider than this plan allows/],
    [['admin:validator.i-1:read.basic'], /wider than this plan allows/],
    [['pool:validator.{id}:read'], /"pool:validator.\{id\}:read" is not a scope/],
    [['pool:validator.(id):read'], /is not a scope/],
    [['pool:validator.i-1:***'], /is not a scope/],
    [['not-a-scope'], /is not a scope/],
  ])('GIVEN %j THEN 400 naming the scope', (requested, message) => {
    let error: unknown;
    try {
      grantedScopes('i-1', requested);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OsbError);
    expect((error as OsbError).status).toBe(400);
    expect((error as OsbError).description).toMatch(/^parameters\.scopes: /);
    expect((error as OsbError).description).toMatch(message);
  });

  it('GIVEN an id with a dot THEN the escaped segment is what the allowance and default use', () => {
    expect(grantedScopes('a.b', undefined)).toEqual(['pool:validator.a_2eb:read.basic']);
    expect(() => grantedScopes('a.b', ['pool:validator.a.b:read.basic'])).toThrow(/wider than this plan allows/);
  });
});
