/**
 * The gateway's layers without a network: the policy tables and scope checks, catalog.yaml's `gateway:`
 * section, limits, the token cache (on a controlled clock), routes and token extraction, overrides.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { YamlNode } from '../../src/catalog/yaml-reader';
import { ConfigError } from '../../src/errors';
import type { TokenInfo } from '../../src/gateway/broker-client';
import { TokenCache } from '../../src/gateway/caches';
import { presentedToken, routeOf } from '../../src/gateway/gate';
import { decideCalls, parseBody } from '../../src/gateway/jsonrpc';
import { ConcurrencyLimiter, RateLimiter } from '../../src/gateway/limits';
import { DEFAULT_LIMITS, DEFAULT_POLICY, limitsFor, PolicyEngine } from '../../src/gateway/policy';
import { parseGatewaySection } from '../../src/gateway/policy-config';
import { loadGatewaySettings, parseUpstreamOverrides } from '../../src/gateway/settings';

const engine = new PolicyEngine(DEFAULT_POLICY);

describe('PolicyEngine.methodAction: the built-in JSON-RPC table', () => {
  it.each([
    ['eth_blockNumber', [], 'read.basic'],
    ['eth_getBalance', ['0x00', 'latest'], 'read.basic'],
    ['eth_call', [{}], 'read.basic'],
    ['eth_sendRawTransaction', ['0x00'], 'write.tx'],
    ['eth_subscribe', ['newHeads'], 'read.basic'],
    ['eth_subscribe', ['newPendingTransactions'], 'read.basic+read.mempool'],
  ])('%s %j needs %s', (method, params, action) => {
    expect(engine.methodAction(method, params)).toEqual({ allowed: true, action });
  });

  it.each([
    ['admin_peers', 'never_exposed'],
    ['debug_traceTransaction', 'never_exposed'],
    ['engine_newPayloadV4', 'never_exposed'],
    ['personal_unlockAccount', 'never_exposed'],
    ['miner_start', 'never_exposed'],
    ['eth_sendTransaction', 'never_exposed'],
    ['eth_sign', 'never_exposed'],
    ['eth_notAMethod', 'not_offered'],
    ['evm_mine', 'not_offered'],
  ])('%s is refused: %s', (method, reason) => {
    expect(engine.methodAction(method, [])).toMatchObject({ allowed: false, reason });
  });

  it('an unknown subscription type is not offered', () => {
    expect(engine.methodAction('eth_subscribe', ['everything'])).toMatchObject({ allowed: false, reason: 'not_offered' });
  });
});

describe('PolicyEngine.beaconAction: the built-in beacon routes', () => {
  it.each([
    ['GET', '/eth/v1/beacon/genesis', 'read.basic'],
    ['HEAD', '/eth/v1/node/syncing', 'read.basic'],
    ['POST', '/eth/v1/beacon/states/head/validators', 'read.basic'],
    ['POST', '/eth/v1/beacon/pool/attestations', 'write.beacon'],
    ['POST', '/eth/v2/beacon/blocks', 'write.beacon'],
  ])('%s %s needs %s', (method, path, action) => {
    expect(engine.beaconAction(method, path)).toEqual({ allowed: true, action });
  });

  it.each([
    ['GET', '/eth/v2/debug/beacon/states/head'],
    ['GET', '/eth/v1/node/identity'],
    ['GET', '/eth/v1/node/peers/16Uiu2'],
    ['GET', '/lighthouse/health'],
    ['GET', '/'],
  ])('%s %s is not offered', (method, path) => {
    expect(engine.beaconAction(method, path)).toMatchObject({ allowed: false, reason: 'not_offered' });
  });
});

describe('PolicyEngine.permits: the scope algebra decides', () => {
  it.each([
    ['pool:validator.a:read.basic', 'a', 'read.basic', true],
    ['pool:validator.a:read.basic', 'a', 'write.tx', false],
    ['pool:validator.a:read.basic', 'b', 'read.basic', false],
    ['pool:validator.a:read.*', 'a', 'read.mempool', true],
    ['pool:validator.a:read.*', 'a', 'read.basic+read.mempool', true],
    ['pool:validator.a:read.basic', 'a', 'read.basic+read.mempool', false],
    ['pool:validator.a:** pool:validator.a.**:**', 'a', 'write.beacon', true],
    ['pool:validator.a_2eb:read.basic', 'a.b', 'read.basic', true],
    ['pool:validator.a_2eb:read.basic', 'a_2eb', 'read.basic', false],
    ['not a scope', 'a', 'read.basic', false],
  ])('scope %j on instance %s for %s: %s', (scope, instance, action, expected) => {
    expect(engine.permits(scope, instance, action)).toBe(expected);
    // Memoised answers are the same answers.
    expect(engine.permits(scope, instance, action)).toBe(expected);
  });
});

describe('decideCalls: a batch is decided call by call', () => {
  it('keeps order and ids, and says why each denied call is denied', () => {
    const parsed = parseBody(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, { jsonrpc: '2.0', id: 2, method: 'eth_sendRawTransaction' }, { id: 3, method: 'eth_chainId' }, 42]), 10);
    if (parsed.kind !== 'batch') throw new Error('batch expected');
    const decided = decideCalls(engine, 'pool:validator.a:read.basic', 'a', parsed.entries);
    expect(decided.map((d) => [d.id, d.error?.reason ?? 'allowed'])).toEqual([
      [1, 'allowed'],
      [2, 'scope'],
      [3, 'invalid_request'],
      [null, 'invalid_request'],
    ]);
  });

  it('refuses empty and oversized batches and non-JSON as a whole', () => {
    expect(parseBody('[]', 10)).toMatchObject({ kind: 'invalid', code: -32600 });
    expect(parseBody(JSON.stringify(Array.from({ length: 3 }, () => ({}))), 2)).toMatchObject({ kind: 'invalid', code: -32600 });
    expect(parseBody('{', 10)).toMatchObject({ kind: 'invalid', code: -32700 });
  });
});

const section = (value: unknown) => parseGatewaySection(new YamlNode('catalog.yaml', 'gateway', value));

describe('catalog.yaml gateway: section', () => {
  it('absent: the built-in tables and limits', () => {
    expect(section(undefined)).toEqual({ policy: DEFAULT_POLICY, defaultLimits: DEFAULT_LIMITS, planLimits: [] });
  });

  it('adds and removes methods, adds beacon routes before the built-in ones, and sets limits per plan', () => {
    const config = section({
      methods: { trace_block: 'read.trace', eth_getProof: 'deny' },
      subscriptions: { newPendingTransactions: 'deny' },
      beacon: [{ method: 'GET', path: '/eth/v1/node/peers', action: 'read.peers' }],
      limits: { default: { requests_per_second: 10 }, plans: [{ plan: '*-sandbox-*', burst: 5 }] },
    });
    const custom = new PolicyEngine(config.policy);
    expect(custom.methodAction('trace_block', [])).toEqual({ allowed: true, action: 'read.trace' });
    expect(custom.methodAction('eth_getProof', [])).toMatchObject({ allowed: false, reason: 'not_offered' });
    expect(custom.methodAction('eth_blockNumber', [])).toEqual({ allowed: true, action: 'read.basic' });
    expect(custom.methodAction('eth_subscribe', ['newPendingTransactions'])).toMatchObject({ allowed: false });
    expect(custom.beaconAction('GET', '/eth/v1/node/peers')).toEqual({ allowed: true, action: 'read.peers' });
    expect(limitsFor('geth-lighthouse-rpc-sandbox-hoodi', config.defaultLimits, config.planLimits)).toEqual({ ...DEFAULT_LIMITS, requestsPerSecond: 10, burst: 5 });
    expect(limitsFor('geth-lighthouse-rpc-kubernetes-mainnet', config.defaultLimits, config.planLimits)).toEqual({ ...DEFAULT_LIMITS, requestsPerSecond: 10 });
  });

  it.each([
    [{ methods: { admin_peers: 'read.basic' } }, 'gateway.methods.admin_peers', 'never exposed'],
    [{ methods: { eth_x: 'read.*' } }, 'gateway.methods.eth_x', 'not a scope action'],
    [{ beacon: [{ method: 'PUT', path: '/eth/x', action: 'read.basic' }] }, 'gateway.beacon[0].method', 'not one of'],
    [{ beacon: [{ method: 'GET', path: '/eth/**/x', action: 'read.basic' }] }, 'gateway.beacon[0].path', 'final "**"'],
    [{ limits: { plans: [{ plan: 'x' }] } }, 'gateway.limits.plans[0]', 'sets no limit'],
    [{ limits: { default: { burst: 0 } } }, 'gateway.limits.default.burst', 'out of range'],
    [{ method: {} }, 'gateway.method', 'unknown key'],
  ])('%j is refused at %s', (value, path, reason) => {
    expect(() => section(value)).toThrow(ConfigError);
    try {
      section(value);
    } catch (error) {
      expect((error as ConfigError).path).toBe(path);
      expect((error as ConfigError).reason).toContain(reason);
    }
  });
});

describe('limits', () => {
  it('a token bucket lets a burst through, then the sustained rate', () => {
    let now = 0;
    const rates = new RateLimiter(() => now);
    expect(rates.take('t', 10, 5, 10)).toBe(true);
    expect(rates.take('t', 1, 5, 10)).toBe(false);
    expect(rates.retryAfterSec('t', 1, 5)).toBe(1);
    now += 1000;
    expect(rates.take('t', 5, 5, 10)).toBe(true);
    expect(rates.take('t', 1, 5, 10)).toBe(false);
    expect(rates.take('other', 1, 5, 10)).toBe(true);
  });

  it('in-flight slots are released once', () => {
    const slots = new ConcurrencyLimiter();
    const first = slots.acquire('t', 1)!;
    expect(slots.acquire('t', 1)).toBeUndefined();
    first();
    first();
    expect(slots.acquire('t', 1)).toBeDefined();
    expect(slots.acquire('t', 1)).toBeUndefined();
  });
});

describe('TokenCache: the revocation bound is the positive lifetime', () => {
  const live: TokenInfo = { active: true, scope: 's', instanceId: 'i', bindingId: 'b', planId: 'p' };

  it('asks the broker once per lifetime, and again once it has passed', async () => {
    let now = 0;
    let answer: TokenInfo = live;
    let calls = 0;
    const cache = new TokenCache({ introspect: async () => (calls++, answer) }, { positiveMs: 5_000, now: () => now });
    expect((await cache.lookup('tok')).value).toEqual(live);
    answer = { active: false };
    now = 4_999;
    expect(await cache.lookup('tok')).toEqual({ value: live, hit: true });
    now = 5_000;
    expect(await cache.lookup('tok')).toEqual({ value: { active: false }, hit: false });
    expect(calls).toBe(2);
  });

  it('keeps inactive answers shorter, and shares one broker call between lookups at once', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache({ introspect: async () => (calls++, { active: false }) }, { positiveMs: 5_000, now: () => now });
    await Promise.all([cache.lookup('bad'), cache.lookup('bad'), cache.lookup('bad')]);
    expect(calls).toBe(1);
    now = 2_000;
    await cache.lookup('bad');
    expect(calls).toBe(2);
  });
});

describe('routes and tokens', () => {
  it.each([
    ['/i/gw.1/rpc', { kind: 'rpc', instanceId: 'gw.1' }],
    ['/i/a%2Fb/ws?access_token=x', { kind: 'ws', instanceId: 'a/b' }],
    ['/i/x/beacon/eth/v1/node/syncing?access_token=t&id=1', { kind: 'beacon', instanceId: 'x', path: '/eth/v1/node/syncing', query: 'id=1' }],
    ['/i/x/rpc/extra', undefined],
    ['/v2/catalog', undefined],
  ])('%s -> %j', (url, route) => {
    expect(routeOf(url)).toEqual(route);
  });

  const req = (headers: Record<string, string>, url: string) => ({ headers, url }) as unknown as IncomingMessage;
  it('takes a Bearer header first, else access_token from the query', () => {
    expect(presentedToken(req({ authorization: 'Bearer abc' }, '/i/x/rpc?access_token=def'))).toBe('abc');
    expect(presentedToken(req({}, '/i/x/rpc?a=1&access_token=d%2Be'))).toBe('d+e');
    expect(presentedToken(req({ authorization: 'Basic abc' }, '/i/x/rpc'))).toBeUndefined();
    expect(presentedToken(req({}, '/i/x/rpc'))).toBeUndefined();
  });
});

describe('settings', () => {
  it('defaults as documented', () => {
    const settings = loadGatewaySettings({}, '/tmp');
    expect(settings).toMatchObject({ port: 8081, host: '127.0.0.1', metricsPort: 8082, brokerUrl: 'http://127.0.0.1:8080', tokenCacheMs: 5_000, maxBatch: 100, dataDir: '/tmp/.ovsb' });
  });

  it.each([
    [{ OVSB_GATEWAY_PORT: '70000' }, 'OVSB_GATEWAY_PORT'],
    [{ OVSB_BROKER_URL: 'ftp://x' }, 'OVSB_BROKER_URL'],
    [{ OVSB_GATEWAY_TOKEN_CACHE_SEC: '-1' }, 'OVSB_GATEWAY_TOKEN_CACHE_SEC'],
    [{ OVSB_GATEWAY_UPSTREAMS: '/nonexistent/upstreams.yaml' }, 'OVSB_GATEWAY_UPSTREAMS'],
  ])('%j is refused naming %s', (env, name) => {
    expect(() => loadGatewaySettings(env, '/tmp')).toThrow(name);
  });

  it('upstream overrides: instance id -> node URLs, nothing else', () => {
    expect(parseUpstreamOverrides('instances:\n  a.1: { execution_http_url: "http://10.0.0.5:8545/" }\n', 'u.yaml').get('a.1')).toEqual({ execution_http_url: 'http://10.0.0.5:8545' });
    expect(() => parseUpstreamOverrides('instances:\n  a: { rpc: "http://x" }\n', 'u.yaml')).toThrow('unknown key "rpc"');
    expect(() => parseUpstreamOverrides('instances:\n  a: { execution_ws_url: "http://x" }\n', 'u.yaml')).toThrow('ws or wss');
    expect(() => parseUpstreamOverrides('nodes: {}\n', 'u.yaml')).toThrow('instances');
  });
});
