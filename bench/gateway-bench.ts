/**
 * RPC gateway figures, each process as operators run it: a ganache dev chain (the node), the broker
 * (`ovsb serve`, one sandbox RPC instance, 1,000 bindings) and the gateway (`ovsb gateway`, pointed at the
 * dev chain with OVSB_GATEWAY_UPSTREAMS). The bench catalog lifts the per-token limits, so the figures are
 * the gateway's cost, not its rate limiting.
 *
 * - overhead on eth_blockNumber with a warm token cache: sequential requests alternately to the node and
 *   through the gateway (latency, p50 added), and autocannon rounds side by side (throughput ratio);
 * - 1,000 distinct tokens over 100 connections: errors and the gateway's RSS after each round.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parse, stringify } from 'yaml';
import { bundledCatalogPath, packageRoot } from '../src/catalog/load';
import { provisionOnce, sandboxPlan } from './broker-bench';
import { cliMain, startBrokerProcess } from './broker-process';
import { freePort, median, osb, rssKiB, tempDir, track, waitFor } from './measure';

const INTROSPECT_PASSWORD = 'bench-introspect-0123456789';
const INSTANCE = 'gateway-bench';
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });

export interface GatewayFigures {
  readonly latencySamples: number;
  readonly directP50Ms: number;
  readonly gatewayP50Ms: number;
  /** gatewayP50Ms - directP50Ms */
  readonly addedP50Ms: number;
  readonly rounds: number;
  readonly durationSec: number;
  readonly connections: number;
  readonly directRps: number;
  readonly gatewayRps: number;
  /** The bare Node proxy baseline (./bare-proxy.ts), same rounds. */
  readonly bareRps: number;
  readonly bareRatio: number;
  /** Median over the rounds of gateway req/s / direct req/s. */
  readonly throughputRatio: number;
  readonly tokens: number;
  readonly tokenConnections: number;
  readonly tokenRounds: number;
  readonly tokenRps: number;
  readonly tokenErrors: number;
  readonly tokenNon2xx: number;
  /** Gateway RSS after each round of the token load (MiB). */
  readonly rssAfterRoundMiB: readonly number[];
}

async function startChain(): Promise<{ url: string; wsUrl: string; stop(): void }> {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [join(packageRoot(), 'node_modules', 'ganache', 'dist', 'node', 'cli.js'), '--server.host', '127.0.0.1', '--server.port', String(port), '--wallet.totalAccounts', '1', '--chain.chainId', '1337'], {
      stdio: 'ignore',
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('ganache start', async () => (await post(url, BODY, {})).status === 200, 100, 60_000);
  return { url, wsUrl: `ws://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function startBareProxy(target: string): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = track(spawn(process.execPath, [join(packageRoot(), 'dist', 'bench', 'bare-proxy.js'), String(port), target], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare proxy exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function startGatewayProcess(port: number, env: Record<string, string>): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = track(
    spawn(process.execPath, [cliMain(), 'gateway'], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], OVSB_GATEWAY_PORT: String(port), OVSB_GATEWAY_METRICS_PORT: '0', OVSB_GATEWAY_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'gateway start',
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited ${child.exitCode}: ${stderr}`);
      return (await fetch(`${url}/ready`)).status === 200;
    },
    20,
    60_000,
  );
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One POST on a kept-alive connection: status and milliseconds to the last byte. */
function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function rps(url: string, durationSec: number, connections: number, tokenOf?: () => string): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections,
    duration: durationSec,
    headers: { 'Content-Type': 'application/json' },
    body: BODY,
    ...(tokenOf !== undefined && {
      requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, Authorization: `Bearer ${tokenOf()}` } }) }],
    }),
  });
}

export async function gatewayBench(quick: boolean): Promise<GatewayFigures> {
  const dir = tempDir('gateway');
  const catalog = parse(readFileSync(bundledCatalogPath(), 'utf8')) as Record<string, unknown>;
  catalog['gateway'] = { limits: { default: { requests_per_second: 1_000_000, burst: 1_000_000, concurrency: 10_000, websockets: 100 } } };
  writeFileSync(join(dir, 'catalog.yaml'), stringify(catalog));

  const chain = await startChain();
  const broker = await startBrokerProcess({
    dataDir: tempDir('gateway-broker'),
    extraEnv: { OVSB_CATALOG: join(dir, 'catalog.yaml'), OVSB_INTROSPECT_PASSWORD: INTROSPECT_PASSWORD },
  });
  // Picked once the broker holds its own port (a free port is only free until someone takes it).
  const gatewayPort = await freePort();
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
  const bare = await startBareProxy(chain.url);
  try {
    const plan = sandboxPlan();
    await provisionOnce(broker.base, plan, INSTANCE);
    const tokens: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const bound = await osb(broker.base, 'PUT', `/v2/service_instances/${INSTANCE}/service_bindings/b-${i}`, { service_id: plan.serviceId, plan_id: plan.id });
      if (bound.status !== 201) throw new Error(`bind ${i}: ${bound.status} ${JSON.stringify(bound.body)}`);
      tokens.push((bound.body['credentials'] as { token: string }).token);
    }
    const upstreams = join(dir, 'upstreams.yaml');
    writeFileSync(upstreams, stringify({ instances: { [INSTANCE]: { execution_http_url: chain.url, execution_ws_url: chain.wsUrl } } }));
    gateway = await startGatewayProcess(gatewayPort, {
      OVSB_BROKER_URL: broker.base,
      OVSB_INTROSPECT_PASSWORD: INTROSPECT_PASSWORD,
      OVSB_GATEWAY_UPSTREAMS: upstreams,
      OVSB_LOG_LEVEL: 'info',
    });
    const rpcUrl = `${gateway.url}/i/${INSTANCE}/rpc`;
    const auth = { Authorization: `Bearer ${tokens[0]!}` };

    // Warm both (JIT, the token cache) before anything counts.
    for (let i = 0; i < 300; i++) {
      await post(chain.url, BODY, {});
      await post(rpcUrl, BODY, auth);
    }
    const samples = quick ? 600 : 2000;
    const direct: number[] = [];
    const through: number[] = [];
    for (let i = 0; i < samples; i += 100) {
      for (let j = 0; j < 100; j++) direct.push((await post(chain.url, BODY, {})).ms);
      for (let j = 0; j < 100; j++) {
        const answer = await post(rpcUrl, BODY, auth);
        if (answer.status !== 200) throw new Error(`gateway answered ${answer.status}`);
        through.push(answer.ms);
      }
    }

    const rounds = quick ? 1 : 3;
    const durationSec = quick ? 3 : 5;
    const connections = 8;
    const directRuns: number[] = [];
    const gatewayRuns: number[] = [];
    const bareRuns: number[] = [];
    await rps(bare.url, 1, connections);
    for (let round = 0; round < rounds; round++) {
      directRuns.push((await rps(chain.url, durationSec, connections)).requests.average);
      gatewayRuns.push((await rps(rpcUrl, durationSec, connections, () => tokens[0]!)).requests.average);
      bareRuns.push((await rps(bare.url, durationSec, connections)).requests.average);
    }

    const tokenRounds = quick ? 2 : 3;
    const tokenConnections = 100;
    let next = 0;
    const tokenOf = () => tokens[(next = (next + 1) % tokens.length)]!;
    const rssAfterRoundMiB: number[] = [];
    let tokenErrors = 0;
    let tokenNon2xx = 0;
    const tokenRps: number[] = [];
    for (let round = 0; round < tokenRounds; round++) {
      const result = await rps(rpcUrl, quick ? 4 : 10, tokenConnections, tokenOf);
      tokenErrors += result.errors + result.timeouts;
      tokenNon2xx += result.non2xx;
      tokenRps.push(result.requests.average);
      rssAfterRoundMiB.push((rssKiB(gateway.pid) ?? 0) / 1024);
    }

    return {
      latencySamples: samples,
      directP50Ms: median(direct),
      gatewayP50Ms: median(through),
      addedP50Ms: median(through) - median(direct),
      rounds,
      durationSec,
      connections,
      directRps: median(directRuns),
      gatewayRps: median(gatewayRuns),
      throughputRatio: median(gatewayRuns.map((g, i) => g / directRuns[i]!)),
      bareRps: median(bareRuns),
      bareRatio: median(bareRuns.map((b, i) => b / directRuns[i]!)),
      tokens: tokens.length,
      tokenConnections,
      tokenRounds,
      tokenRps: median(tokenRps),
      tokenErrors,
      tokenNon2xx,
      rssAfterRoundMiB,
    };
  } finally {
    await gateway?.stop();
    await broker.stop();
    bare.stop();
    chain.stop();
    agent.destroy();
  }
}
