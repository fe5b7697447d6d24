import { describe, expect, it } from 'vitest';
import { diffJson, lineDiff, type Json } from '../../src/review/json-diff';
import { imageRefs } from '../../src/review/rules';

const strip = (changes: ReturnType<typeof diffJson>) => changes.map(({ segments: _segments, ...rest }) => rest);

describe('diffJson', () => {
  it('GIVEN equal values (cdktf `//` metadata aside) THEN no change', () => {
    expect(diffJson({ a: 1, '//': { x: 1 } }, { a: 1, '//': { x: 2 } })).toEqual([]);
  });

  it('GIVEN nested scalars THEN each change has a dotted path with old and new value', () => {
    expect(strip(diffJson({ spec: { replicas: '1', type: 'gp3' } }, { spec: { replicas: '2', type: 'gp3' } }))).toEqual([
      { kind: 'changed', path: 'spec.replicas', before: '1', after: '2' },
    ]);
  });

  it('GIVEN keys added and removed THEN they are reported with their values', () => {
    expect(strip(diffJson({ a: 1 }, { b: { c: 2 } }))).toEqual([
      { kind: 'removed', path: 'a', before: 1 },
      { kind: 'added', path: 'b', after: { c: 2 } },
    ]);
  });

  it('GIVEN a flag list with one flag changed THEN the removed and added items, not every shifted index', () => {
    const before = { args: ['--a', '--b=1', '--c'] };
    const after = { args: ['--a', '--x', '--b=2', '--c'] };
    expect(strip(diffJson(before, after))).toEqual([{ kind: 'items', path: 'args', removed: ['--b=1'], added: ['--x', '--b=2'] }]);
  });

  it('GIVEN the same flags reordered THEN one change of the whole list', () => {
    expect(strip(diffJson({ args: ['--a', '--b'] }, { args: ['--b', '--a'] }))).toEqual([
      { kind: 'changed', path: 'args', before: ['--a', '--b'], after: ['--b', '--a'] },
    ]);
  });

  it('GIVEN lists of named objects THEN elements pair by name (or metadata.name)', () => {
    const before: Json = { container: [{ name: 'execution', image: 'a/b:1' }, { name: 'beacon', image: 'c/d:1' }] };
    const after: Json = { container: [{ name: 'init', image: 'e/f:1' }, { name: 'execution', image: 'a/b:2' }, { name: 'beacon', image: 'c/d:1' }] };
    expect(strip(diffJson(before, after))).toEqual([
      { kind: 'changed', path: 'container[execution].image', before: 'a/b:1', after: 'a/b:2' },
      { kind: 'added', path: 'container[init]', after: { name: 'init', image: 'e/f:1' } },
    ]);
    expect(strip(diffJson({ t: [{ metadata: { name: 'data' }, size: 1 }] }, { t: [{ metadata: { name: 'data' }, size: 2 }] }))).toEqual([
      { kind: 'changed', path: 't[data].size', before: 1, after: 2 },
    ]);
  });

  it('GIVEN lists of unnamed objects THEN elements pair by index', () => {
    expect(strip(diffJson({ rule: [{ port: 1 }] }, { rule: [{ port: 2 }, { port: 3 }] }))).toEqual([
      { kind: 'changed', path: 'rule[0].port', before: 1, after: 2 },
      { kind: 'added', path: 'rule[1]', after: { port: 3 } },
    ]);
  });

  it('GIVEN a multi-line script THEN the lines removed and added', () => {
    const before = { script: 'a\nb\nc\nd' };
    const after = { script: 'a\nB\nc\nd\ne' };
    expect(strip(diffJson(before, after))).toEqual([{ kind: 'lines', path: 'script', removed: ['b'], added: ['B', 'e'] }]);
  });

  it('GIVEN a type change THEN the whole value changes', () => {
    expect(strip(diffJson({ v: [1] }, { v: 'x' }))).toEqual([{ kind: 'changed', path: 'v', before: [1], after: 'x' }]);
  });
});

describe('lineDiff', () => {
  it.each([
    [[], ['x'], [], ['x']],
    [['x'], [], ['x'], []],
    [['a', 'b', 'c'], ['a', 'c'], ['b'], []],
    [['a', 'b'], ['b', 'a'], ['a'], ['a']],
  ])('%j -> %j removes %j and adds %j', (before, after, removed, added) => {
    expect(lineDiff(before, after)).toEqual({ removed, added });
  });
});

describe('imageRefs', () => {
  it.each([
    ['ethereum/client-go:v1.16.7', [{ repository: 'ethereum/client-go', tag: 'v1.16.7' }]],
    ['gcr.io/prysmaticlabs/prysm/beacon-chain:v6.1.4', [{ repository: 'gcr.io/prysmaticlabs/prysm/beacon-chain', tag: 'v6.1.4' }]],
    ['ghcr.io/paradigmxyz/reth:v1.9.3', [{ repository: 'ghcr.io/paradigmxyz/reth', tag: 'v1.9.3' }]],
    ['statusim/nimbus-eth2:multiarch-v25.11.0', [{ repository: 'statusim/nimbus-eth2', tag: 'multiarch-v25.11.0' }]],
    ['registry.local:5000/mirror/teku:25.11.0', [{ repository: 'registry.local:5000/mirror/teku', tag: '25.11.0' }]],
    [`sigp/lighthouse:v8.0.0@sha256:${'a'.repeat(64)}`, [{ repository: 'sigp/lighthouse', tag: 'v8.0.0' }]],
    ['docker run -d --name beacon sigp/lighthouse:v8.0.0 lighthouse bn', [{ repository: 'sigp/lighthouse', tag: 'v8.0.0' }]],
  ])('finds the image in %s', (text, refs) => {
    expect(imageRefs(text)).toEqual(refs);
  });

  it.each([
    'http://i-abc-execution.ovsb-i-abc.svc.cluster.local:8551',
    '--execution-endpoint=http://execution:8551',
    'https://0xac6e77@boost-relay.flashbots.net',
    'localhost:8545',
    '/data/jwt.hex',
    'flashbots/mev-boost:latest',
  ])('takes no image from %s', (text) => {
    expect(imageRefs(text)).toEqual([]);
  });
});
