import { describe, expect, it } from 'vitest';
import { bindingCredentials } from '../../src/service/credentials';
import { jsonEqual } from '../../src/json';

describe('bindingCredentials', () => {
  const outputs = {
    execution_http_url: 'http://execution.i-abc.sandbox.invalid:8545',
    execution_ws_url: 'ws://execution.i-abc.sandbox.invalid:8546',
    beacon_api_url: 'http://beacon.i-abc.sandbox.invalid:5052',
    metrics_urls: { execution: 'http://execution.i-abc.sandbox.invalid:6060/debug/metrics/prometheus', beacon: 'http://beacon.i-abc.sandbox.invalid:5054/metrics' },
    network: 'hoodi',
  };

  it('GIVEN outputs, a token and scopes THEN credentials are the outputs plus the token and its space-separated scope', () => {
    const issued = bindingCredentials(outputs, 'ovsb_secret', ['pool:validator.x:read.basic', 'pool:validator.x:read.health']);
    expect(issued.credentials).toEqual({ ...outputs, token: 'ovsb_secret', scope: 'pool:validator.x:read.basic pool:validator.x:read.health' });
  });

  it('THEN endpoints[] name every host with its ports, nested URLs included, sorted', () => {
    expect(bindingCredentials(outputs, 't', []).endpoints).toEqual([
      { host: 'beacon.i-abc.sandbox.invalid', ports: ['5052', '5054'], protocol: 'tcp' },
      { host: 'execution.i-abc.sandbox.invalid', ports: ['6060', '8545', '8546'], protocol: 'tcp' },
    ]);
  });

  it.each([
    ['https without a port', { url: 'https://rpc.example.org/path' }, [{ host: 'rpc.example.org', ports: ['443'], protocol: 'tcp' }]],
    ['an IPv6 host', { url: 'http://[fd00::1]:8545' }, [{ host: 'fd00::1', ports: ['8545'], protocol: 'tcp' }]],
    ['no URL at all', { network: 'hoodi', count: 3 }, []],
    ['a non-http scheme', { url: 'postgres://db:5432/x' }, []],
  ])('%s', (_case, given, endpoints) => {
    expect(bindingCredentials(given, 't', []).endpoints).toEqual(endpoints);
  });
});

describe('jsonEqual (identical OSB attributes)', () => {
  it.each([
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{}, {}, true],
    [{ a: 1 }, { a: 1, b: undefined as unknown as null }, false],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: null }, { a: {} }, false],
    [{ a: '1' }, { a: 1 }, false],
    [undefined, undefined, true],
    [undefined, {}, false],
  ])('%j vs %j -> %s', (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
  });
});
