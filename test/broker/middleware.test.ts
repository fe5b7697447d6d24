import { describe, expect, it } from 'vitest';
import { credentialsMatch, parseBasicAuthorization } from '../../broker/middleware/auth';
import { idProblem, MAX_ID_LENGTH } from '../../broker/middleware/ids';

describe('Basic authorization parsing', () => {
  const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  it.each([
    [header('user:pass'), { username: 'user', password: 'pass' }],
    [header('user:pa:ss'), { username: 'user', password: 'pa:ss' }],
    [header('user:'), { username: 'user', password: '' }],
    [`basic   ${Buffer.from('u:p').toString('base64')}`, { username: 'u', password: 'p' }],
    [header('no-colon'), undefined],
    ['Bearer abc', undefined],
    ['Basic', undefined],
    [undefined, undefined],
  ])('%s -> %j', (given, expected) => {
    expect(parseBasicAuthorization(given)).toEqual(expected);
  });

  it.each([
    [{ username: 'a', password: 'b' }, true],
    [{ username: 'a', password: 'B' }, false],
    [{ username: 'A', password: 'b' }, false],
    [{ username: 'a', password: 'b-longer' }, false],
    [{ username: '', password: '' }, false],
  ])('credentialsMatch(%j, a/b) -> %s', (presented, expected) => {
    expect(credentialsMatch(presented, { username: 'a', password: 'b' })).toBe(expected);
  });
});

describe('id validation', () => {
  it.each(['d3031751-0000-4000-8000-a42377d3320e', 'Az09-._~', 'x'.repeat(MAX_ID_LENGTH)])('accepts %s', (id) => {
    expect(idProblem('instance_id', id)).toBeUndefined();
  });
  it.each([
    ['', 'empty'],
    ['a/b', 'unreserved'],
    ['..', 'not an id'],
    ['.', 'not an id'],
    ['a\u0000b', 'unreserved'],
    ['é', 'unreserved'],
    ['x'.repeat(MAX_ID_LENGTH + 1), 'limit'],
  ])('refuses %j (%s), naming the field', (id, reason) => {
    const problem = idProblem('binding_id', id);
    expect(problem).toContain('binding_id');
    expect(problem).toContain(reason);
  });
  it('escapes control characters in the message', () => {
    expect(idProblem('instance_id', 'a\u0000b')).toContain('\\u0000');
  });
});
