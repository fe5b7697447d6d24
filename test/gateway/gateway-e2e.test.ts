/**
 * The RPC gateway end to end: the real broker (in-process harness: real catalog, storage, terraform on a
 * sandbox validator plan) behind HTTP, the real gateway (startGateway, as `ovsb gateway` runs it), and a real
 * Ethereum JSON-RPC development chain from the npm registry (ganache, started here) as the execution node.
 *
 * The sandbox plan runs no node, so its published URLs are `.invalid`; the gateway is pointed at the dev
 * chain the way an operator would point it at nodes reached another way: OVSB_GATEWAY_UPSTREAMS.
 *
 * The beacon API upstream is a minimal stand-in written here (a handful of routes), since no beacon node is
 * published on the npm registry: it serves to show routing, scopes and what of a beacon answer passes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import ganache from 'ganache';
import { parse, stringify } from 'yaml';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/catalog/load';
import { startGateway, type RunningGateway } from '../../src/gateway/server';
import { loadGatewaySettings } from '../../src/gateway/settings';
import { createLogger } from '../../src/log';
import { bundledText } from '../catalog/helpers';
import { freePort } from '../../bench/measure';
import { createHarness, INTROSPECT_CREDENTIALS, osb, sandboxPlan, type Harness } from '../broker/harness';

const INSTANCE = 'gw.1';
/** Deprovisioned by a test. */
const SECOND = 'gw-2';
const CONTEXT = 'gw_2e1';
/** Also the revocation bound under test. */
const TOKEN_CACHE_SEC = 1;
const AUTH_FAILURES_PER_MIN = 5;

let h: Harness;
let broker: Server;
let chain: ReturnType<typeof ganache.server>;
let chainUrl: string;
let beacon: Server;
let gateway: RunningGateway;
let work: string;
const gatewayLogs: string[] = [];
const beaconSeen: { method: string; url: string; authorization?: string }[] = [];
const issuedTokens: string[] = [];

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** The beacon API stand-in: a few routes, one failing with internals in its message, and a tell-tale header. */
function beaconStandIn(): Server {
  return createServer((req, res) => {
    beaconSeen.push({ method: req.method!, url: req.url!, ...(req.headers.authorization !== undefined && { authorization: req.headers.authorization }) });
    res.setHeader('Server', 'standin-beacon/1.0 (10.1.2.3)');
    res.setHeader('X-Internal-Peer', 'enr:-secret');
    if (req.url === '/eth/v1/node/syncing') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data: { head_slot: '42', sync_distance: '0', is_syncing: false, is_optimistic: false, el_offline: false } }));
    } else if (req.url?.startsWith('/eth/v1/beacon/headers')) {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 500, message: 'db error at /var/lib/beacon/chain.db (10.1.2.3)' }));
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 404, message: 'not found' }));
    }
  });
}

async function chainCall(method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(chainUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: unknown };
  if (body.error !== undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

const plan = () => sandboxPlan(h.catalog, 'validator');

async function bind(id: string, scopes?: string[], instance = INSTANCE): Promise<{ token: string; credentials: Record<string, unknown> }> {
  const response = await osb(h.app)
    .put(`/v2/service_instances/${instance}/service_bindings/${id}`)
    .send({ service_id: plan().serviceId, plan_id: plan().id, ...(scopes !== undefined && { parameters: { scopes } }) });
  expect(response.status).toBe(201);
  const token = response.body.credentials.token as string;
  issuedTokens.push(token);
  return { token, credentials: response.body.credentials };
}

const unbind = async (id: string) =>
  expect((await osb(h.app).delete(`/v2/service_instances/${INSTANCE}/service_bindings/${id}`).query({ service_id: plan().serviceId, plan_id: plan().id })).status).toBe(200);

const rpcUrl = () => `${gateway.url}/i/${encodeURIComponent(INSTANCE)}/rpc`;

async function rpc(token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(rpcUrl(), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token !== undefined && { Authorization: `Bearer ${token}` }), ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

const call = (method: string, params: unknown[] = [], id: number | string = 1) => ({ jsonrpc: '2.0', id, method, params });

/** A WebSocket to the gateway and a queue of its messages. */
async function openWs(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const messages: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    waiters.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (predicate: (message: any) => boolean): Promise<any> => {
    for (;;) {
      const index = messages.findIndex(predicate);
      if (index >= 0) return messages.splice(index, 1)[0];
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { ws, next, closed };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ovsb-gateway-e2e-'));
  chain = ganache.server({ logging: { quiet: true }, chain: { chainId: 1337 }, wallet: { deterministic: true, totalAccounts: 2 } });
  await new Promise<void>((resolve, reject) => chain.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  const chainAddress = chain.address() as { port: number };
  chainUrl = `http://127.0.0.1:${chainAddress.port}`;
  beacon = beaconStandIn();
  const beaconPort = await listen(beacon);

  // The bundled catalog with small limits for the validator sandbox plans, so a burst is quick to provoke.
  const catalogDocument = parse(bundledText()) as Record<string, unknown>;
  catalogDocument['gateway'] = { limits: { plans: [{ plan: '*-validator-sandbox-hoodi', requests_per_second: 5, burst: 20, concurrency: 100 }] } };
  const catalog = parseCatalog(stringify(catalogDocument), 'catalog.yaml (gateway test)');

  const gatewayPort = await freePort();
  h = await createHarness({ engine: 'sqlite', catalog, gatewayUrl: `http://127.0.0.1:${gatewayPort}` });
  broker = createServer(h.app);
  const brokerPort = await listen(broker);
  const provisioned = await osb(h.app)
    .put(`/v2/service_instances/${INSTANCE}?accepts_incomplete=true`)
    .send({ service_id: plan().serviceId, plan_id: plan().id, organization_guid: 'org', space_guid: 'space', parameters: { fee_recipient: '0x52908400098527886E0F7030069857D2E4169EE7' } });
  expect(provisioned.status).toBe(202);
  const second = await osb(h.app)
    .put(`/v2/service_instances/${SECOND}?accepts_incomplete=true`)
    .send({ service_id: plan().serviceId, plan_id: plan().id, organization_guid: 'org', space_guid: 'space', parameters: { fee_recipient: '0x52908400098527886E0F7030069857D2E4169EE7' } });
  expect(second.status).toBe(202);
  await h.settle();

  const overrides = join(work, 'upstreams.yaml');
  writeFileSync(
    overrides,
    stringify({
      instances: {
        [INSTANCE]: { execution_http_url: chainUrl, execution_ws_url: `ws://127.0.0.1:${chainAddress.port}`, beacon_api_url: `http://127.0.0.1:${beaconPort}` },
        [SECOND]: { execution_http_url: chainUrl },
      },
    }),
  );
  const settings = loadGatewaySettings(
    {
      OVSB_GATEWAY_PORT: String(gatewayPort),
      OVSB_GATEWAY_METRICS_PORT: '0',
      OVSB_BROKER_URL: `http://127.0.0.1:${brokerPort}`,
      OVSB_INTROSPECT_USERNAME: INTROSPECT_CREDENTIALS.username,
      OVSB_INTROSPECT_PASSWORD: INTROSPECT_CREDENTIALS.password,
      OVSB_GATEWAY_TOKEN_CACHE_SEC: String(TOKEN_CACHE_SEC),
      OVSB_GATEWAY_AUTH_FAILURES_PER_MIN: String(AUTH_FAILURES_PER_MIN),
      OVSB_GATEWAY_UPSTREAMS: overrides,
      OVSB_GATEWAY_CLIENT_IP_HEADER: 'x-forwarded-for',
    },
    work,
  );
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        gatewayLogs.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  gateway = await startGateway({ settings, logger });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => broker?.close(resolve));
  await new Promise((resolve) => beacon?.close(resolve));
  await chain?.close();
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('GIVEN the broker with OVSB_GATEWAY_URL, the gateway, and a dev chain as the instance\'s execution node', () => {
  it('THEN binding credentials give the gateway\'s URLs, and the node URLs stay in the instance\'s outputs', async () => {
    const { credentials } = await bind('creds');
    const base = `${gateway.url}/i/gw.1`;
    expect(credentials).toMatchObject({ execution_http_url: `${base}/rpc`, execution_ws_url: `${base.replace('http', 'ws')}/ws`, beacon_api_url: `${base}/beacon` });
    const instance = await h.storage.getInstance(INSTANCE);
    expect(instance?.outputs['execution_http_url']).toMatch(/\.sandbox\.invalid:/);
  });

  it('WHEN a read.basic token reads the chain THEN it gets the dev chain\'s answers', async () => {
    const { token } = await bind('reader');
    const [account] = (await chainCall('eth_accounts')) as string[];
    const chainId = await rpc(token, call('eth_chainId'));
    expect(chainId.status).toBe(200);
    expect(chainId.body).toEqual({ jsonrpc: '2.0', id: 1, result: '0x539' });
    const balance = await rpc(token, call('eth_getBalance', [account, 'latest'], 'b'));
    expect(balance.body.id).toBe('b');
    expect(balance.body.result).toBe(await chainCall('eth_getBalance', [account, 'latest']));
    expect((await rpc(token, call('eth_blockNumber'))).body.result).toBe(await chainCall('eth_blockNumber'));
  });

  it('WHEN a read.basic token sends a raw transaction THEN it is denied with a JSON-RPC error and nothing is mined', async () => {
    const { token } = await bind('reader-2');
    const [from, to] = (await chainCall('eth_accounts')) as string[];
    const raw = (await chainCall('eth_signTransaction', [{ from, to, value: '0x1', gas: '0x5208', gasPrice: '0x77359400' }])) as string;
    const before = await chainCall('eth_blockNumber');
    const sent = await rpc(token, call('eth_sendRawTransaction', [raw], 7));
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32001 } });
    expect(sent.body.error.message).toContain('write.tx');
    expect(await chainCall('eth_blockNumber')).toBe(before);
  });

  it('WHEN a write.tx token sends a signed transaction THEN the dev chain mines it', async () => {
    const { token } = await bind('writer', [`pool:validator.${CONTEXT}:read.basic`, `pool:validator.${CONTEXT}:write.tx`]);
    const [from, to] = (await chainCall('eth_accounts')) as string[];
    const toBefore = BigInt(await chainCall('eth_getBalance', [to, 'latest']));
    const raw = (await chainCall('eth_signTransaction', [{ from, to, value: '0x2a', gas: '0x5208', gasPrice: '0x77359400' }])) as string;
    const sent = await rpc(token, call('eth_sendRawTransaction', [raw]));
    expect(sent.body.error).toBeUndefined();
    const hash = sent.body.result as string;
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = (await rpc(token, call('eth_getTransactionReceipt', [hash]))).body.result;
    expect(receipt).toMatchObject({ transactionHash: hash, status: '0x1' });
    expect(BigInt(await chainCall('eth_getBalance', [to, 'latest'])) - toBefore).toBe(42n);
  });

  it('WHEN a batch mixes allowed and denied calls THEN each denied call gets its error in place and the others their results', async () => {
    const { token } = await bind('batcher');
    const batch = await rpc(token, [
      call('eth_chainId', [], 1),
      call('eth_sendRawTransaction', ['0x00'], 2),
      call('admin_peers', [], 3),
      { jsonrpc: '2.0', method: 'eth_blockNumber', params: [] },
      call('eth_blockNumber', [], 'x'),
      call('eth_notAMethod', [], 1),
    ]);
    expect(batch.status).toBe(200);
    expect(batch.body.map((answer: any) => [answer.id, answer.result !== undefined ? 'result' : answer.error.code])).toEqual([
      [1, 'result'],
      [2, -32001],
      [3, -32601],
      ['x', 'result'],
      [1, -32601],
    ]);
    expect(batch.body[0].result).toBe('0x539');
    expect(batch.body[2].error.message).toContain('never exposed');
  });

  it('WHEN a WebSocket subscribes THEN eth_subscribe is checked per subscription and new heads arrive', async () => {
    const { token } = await bind('subscriber');
    const { ws, next } = await openWs(`${gateway.url.replace('http', 'ws')}/i/gw.1/ws?access_token=${encodeURIComponent(token)}`);
    ws.send(JSON.stringify(call('eth_subscribe', ['newPendingTransactions'], 'p')));
    expect(await next((m) => m.id === 'p')).toMatchObject({ error: { code: -32001 } });
    ws.send(JSON.stringify(call('eth_subscribe', ['newHeads'], 's')));
    const subscribed = await next((m) => m.id === 's');
    expect(subscribed.result).toMatch(/^0x/);
    await chainCall('evm_mine');
    const head = await next((m) => m.method === 'eth_subscription');
    expect(head.params.subscription).toBe(subscribed.result);
    expect(head.params.result.number).toBe(await chainCall('eth_blockNumber'));
    ws.send(JSON.stringify([call('eth_chainId', [], 1), call('debug_traceTransaction', ['0x00'], 2)]));
    expect(await next((m) => Array.isArray(m))).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x539' },
      expect.objectContaining({ id: 2, error: expect.objectContaining({ code: -32601 }) }),
    ]);
    ws.close();
  });

  it(`WHEN a binding is unbound THEN its token is cut off within the stated bound (${TOKEN_CACHE_SEC} s), WebSocket included`, async () => {
    const { token } = await bind('revoked');
    expect((await rpc(token, call('eth_chainId'))).status).toBe(200);
    const socket = await openWs(`${gateway.url.replace('http', 'ws')}/i/gw.1/ws`, { Authorization: `Bearer ${token}` });
    await unbind('revoked');
    // The bound: an answer the broker gave before the unbind is trusted for at most TOKEN_CACHE_SEC.
    await sleep(TOKEN_CACHE_SEC * 1000 + 100);
    const after = await rpc(token, call('eth_chainId'));
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('invalid_token');
    socket.ws.send(JSON.stringify(call('eth_chainId')));
    expect(await socket.closed).toBe(1008);
  });

  it(`WHEN an instance is deprovisioned THEN its bindings' tokens are cut off within the stated bound (${TOKEN_CACHE_SEC} s)`, async () => {
    const { token } = await bind('on-second', undefined, SECOND);
    const url = `${gateway.url}/i/${SECOND}/rpc`;
    const ask = async () => (await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(call('eth_chainId')) })).status;
    expect(await ask()).toBe(200);
    const deprovision = await osb(h.app).delete(`/v2/service_instances/${SECOND}`).query({ service_id: plan().serviceId, plan_id: plan().id, accepts_incomplete: true });
    expect(deprovision.status).toBe(202);
    await sleep(TOKEN_CACHE_SEC * 1000 + 100);
    expect(await ask()).toBe(401);
    await h.settle();
  });

  it('WHEN a token bursts beyond its plan\'s rate limit THEN the excess is answered 429 with Retry-After', async () => {
    const { token } = await bind('burster');
    const answers = await Promise.all(Array.from({ length: 40 }, () => rpc(token, call('eth_blockNumber'))));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited[0]!.body.error).toMatchObject({ code: -32005 });
    // A batch larger than the burst can never pass: 429 naming the burst.
    const batch = await rpc(token, Array.from({ length: 21 }, (_, i) => call('eth_chainId', [], i)));
    expect(batch.status).toBe(429);
    expect(batch.body.error.message).toContain('burst of 20');
  });

  it('WHEN the beacon API is used THEN GETs pass, writes need their scope, hidden routes are not offered, and nothing of the node leaks', async () => {
    const { token } = await bind('beacon-reader');
    const beaconUrl = `${gateway.url}/i/gw.1/beacon`;
    const auth = { Authorization: `Bearer ${token}` };
    const syncing = await fetch(`${beaconUrl}/eth/v1/node/syncing?access_token=ignored`, { headers: auth });
    expect(syncing.status).toBe(200);
    expect(await syncing.json()).toMatchObject({ data: { head_slot: '42' } });
    expect(syncing.headers.get('server')).toBeNull();
    expect(syncing.headers.get('x-internal-peer')).toBeNull();
    const seen = beaconSeen.at(-1)!;
    expect(seen).toEqual({ method: 'GET', url: '/eth/v1/node/syncing' });

    const publish = await fetch(`${beaconUrl}/eth/v1/beacon/pool/attestations`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '[]' });
    expect(publish.status).toBe(403);
    expect(((await publish.json()) as { message: string }).message).toContain('write.beacon');
    const identity = await fetch(`${beaconUrl}/eth/v1/node/identity`, { headers: auth });
    expect(identity.status).toBe(404);
    const failing = await fetch(`${beaconUrl}/eth/v1/beacon/headers/head`, { headers: auth });
    expect(failing.status).toBe(502);
    const text = await failing.text();
    expect(text).not.toContain('10.1.2.3');
    expect(text).not.toContain('/var/lib');
    expect(beaconSeen.filter((s) => s.url.includes('pool/attestations') || s.url.includes('identity'))).toEqual([]);
  });

  it('THEN Prometheus metrics count requests per instance and method class, and denials by reason', async () => {
    const text = await (await fetch(gateway.metricsUrl)).text();
    expect(text).toMatch(/ovsb_gateway_requests_total\{instance="gw\.1",class="read\.basic",transport="http"\} \d+/);
    expect(text).toMatch(/ovsb_gateway_requests_total\{instance="gw\.1",class="write\.tx",transport="http"\} 1/);
    expect(text).toMatch(/ovsb_gateway_denials_total\{instance="gw\.1",class="write\.tx",reason="scope"\} \d+/);
    expect(text).toMatch(/ovsb_gateway_denials_total\{instance="gw\.1",class="none",reason="never_exposed"\} \d+/);
    expect(text).toMatch(/ovsb_gateway_denials_total\{instance="[^"]*",class="none",reason="rate_limited"\} \d+/);
    expect(text).toMatch(/ovsb_gateway_upstream_seconds_count\{instance="gw\.1",class="read\.basic",transport="http"\} \d+/);
  });

  it('WHEN tokens are missing or wrong THEN 401, and after too many failures from one address 429 before any check', async () => {
    const missing = await rpc(undefined, call('eth_chainId'));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    // One client address (as a trusted proxy reports it: OVSB_GATEWAY_CLIENT_IP_HEADER), fresh for this test.
    const guesser = { 'X-Forwarded-For': '198.51.100.7' };
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_FAILURES_PER_MIN + 2; i++) statuses.push((await rpc(`ovsb_guess${i}`, call('eth_chainId'), guesser)).status);
    expect(statuses).toEqual([...Array<number>(AUTH_FAILURES_PER_MIN).fill(401), 429, 429]);
    // Other addresses are not affected.
    const { token } = await bind('after-guessing');
    expect((await rpc(token, call('eth_chainId'), { 'X-Forwarded-For': '198.51.100.8' })).status).toBe(200);
  });

  it('THEN no access log line carries a token', () => {
    const logs = gatewayLogs.join('');
    expect(logs).toContain('gateway request');
    for (const token of issuedTokens) expect(logs).not.toContain(token);
  });
});
